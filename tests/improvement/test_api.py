from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from complaints.models import State
from improvement import services
from improvement.models import ActionState

pytestmark = pytest.mark.django_db
BASE = "/api/v1/actions/"


@pytest.fixture
def api():
    def client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def test_a_manager_opens_an_action_through_the_api(
    api, manager, frontline, cause, dept_a, make_complaint
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(2)]
    response = api(manager).post(
        BASE,
        {
            "title": "Fix the script",
            "cause": cause.code,
            "department": dept_a.pk,
            "owner": frontline.pk,
            "due_on": "2027-03-31",
            "complaints": [c.reference.lower() for c in complaints],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "planned" and body["cause"] == cause.code
    assert sorted(body["complaints"]) == sorted(c.reference for c in complaints)


def test_an_unknown_complaint_is_a_400_naming_it(api, manager, frontline, cause, dept_a):
    response = api(manager).post(
        BASE,
        {
            "title": "x",
            "cause": cause.code,
            "department": dept_a.pk,
            "owner": frontline.pk,
            "due_on": "2027-03-31",
            "complaints": ["C-2026-999999"],
        },
        format="json",
    )
    assert response.status_code == 400
    assert "C-2026-999999" in str(response.json()["error"]["fields"]["complaints"])


def test_transitions_and_their_refusals(api, open_action, frontline, manager, auditor):
    action = open_action()
    url = f"{BASE}{action.pk}/"
    assert api(frontline).post(url + "start/", {}, format="json").status_code == 200
    refused = api(frontline).post(url + "complete/", {"evidence": ""}, format="json")
    assert refused.status_code == 400
    stale = api(frontline).post(
        url + "complete/", {"evidence": "Done", "expected_version": 1}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale"
    done = api(frontline).post(url + "complete/", {"evidence": "Done"}, format="json")
    assert done.json()["state"] == ActionState.DONE
    assert api(auditor).post(url + "verify/", {}, format="json").status_code == 403
    assert api(frontline).post(url + "verify/", {}, format="json").status_code == 403
    verified = api(manager).post(url + "verify/", {"note": "ok"}, format="json")
    assert verified.status_code == 200 and verified.json()["state"] == ActionState.VERIFIED
    again = api(manager).post(url + "cancel/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "transition_refused"


def test_an_invisible_action_is_404(api, open_action, frontline_b):
    action = open_action()
    assert api(frontline_b).get(f"{BASE}{action.pk}/").status_code == 404
    assert api(frontline_b).post(f"{BASE}{action.pk}/start/", {}, format="json").status_code == 404


def test_the_list_filters_and_costs_fixed_queries(
    api, open_action, make_complaint, manager, frontline, django_assert_max_num_queries
):
    client = api(manager)
    open_action(complaints=[make_complaint(State.CLASSIFIED)])
    with django_assert_max_num_queries(10) as few:
        client.get(BASE)
    for n in range(8):
        open_action(title=f"A{n}", complaints=[make_complaint(State.CLASSIFIED)])
    services.start(open_action(title="Started"), by=frontline)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(BASE)
    assert len(response.json()["results"]) == 10
    started = client.get(BASE + "?state=in_progress").json()["results"]
    assert [a["title"] for a in started] == ["Started"]
