"""The root-cause catalogue and the resolution's cause and accountability through the REST API
(#16): the same rules as the staff form, answered 400 with the field and the reason."""

from __future__ import annotations

import pytest

from complaints.models import Complaint, RootCause, State
from tests.api.conftest import error_of, url
from tests.api.test_transitions import RESOLVE_BODY

pytestmark = pytest.mark.django_db

FINDING = "Hung up on the caller twice; recording checked."


def test_the_catalogue_lists_active_causes_with_their_parent(api, frontline):
    RootCause.objects.filter(code="process-slow").update(active=False)
    response = api(frontline).get("/api/v1/root-causes/")
    assert response.status_code == 200
    causes = {cause["code"]: cause for cause in response.json()}
    assert "process-slow" not in causes
    people = causes["people"]
    assert (people["parent"], people["parent_code"], people["name"]) == (None, None, "人员")
    training = causes["people-training"]
    assert training["parent"] == people["id"] and training["parent_code"] == "people"
    assert training["path"] == "人员 / 培训不到位" and training["active"] is True


def test_the_catalogue_needs_a_login(api, db):
    assert api().get("/api/v1/root-causes/").status_code == 401


def test_resolving_records_the_cause_and_the_finding_and_the_detail_shows_them(
    api, frontline, frontline2, dept_a, make_complaint
):
    complaint = make_complaint(State.ASSIGNED)
    body = {
        **RESOLVE_BODY,
        "cause": "system-data",
        "responsible_person": frontline2.pk,
        "responsibility_finding": FINDING,
    }
    response = api(frontline).post(url(complaint.reference, "resolve"), body, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["cause"] == "system-data"
    assert data["responsible_department"]["id"] == dept_a.pk
    assert data["responsible_person"]["id"] == frontline2.pk
    assert data["responsibility_finding"] == FINDING
    assert data["responsibility_found_at"] is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cause": None}, "cause", "A substantiated complaint needs a coded root cause."),
        (
            {"cause": "people"},
            "cause",
            "人员 is a top-level cause: choose one of its finer causes.",
        ),
        ({"cause": "nope"}, "cause", "Object with code=nope does not exist."),
        ({"cause": "a\x00b"}, "cause", "Object with code=a\x00b does not exist."),
        (
            {"cause": "retired"},
            "cause",
            "人员 / 业务技能不足 is no longer in use: choose an active cause.",
        ),
        (
            {"responsible_person": "frontline2"},
            "responsibility_finding",
            "Write the finding that names the responsible person.",
        ),
        (
            {"responsible_person": "outsider", "responsibility_finding": FINDING},
            "responsible_person",
            'Invalid pk "{pk}" - object does not exist.',
        ),
        (
            {"substantiated": False, "responsibility_finding": FINDING},
            "responsibility_finding",
            "Only a substantiated complaint records a responsibility finding.",
        ),
    ],
)
def test_a_resolution_breaking_a_rule_is_400_with_the_field_and_its_reason(
    request, api, frontline, make_complaint, changes, field, message
):
    complaint = make_complaint(State.ASSIGNED)
    if changes.get("cause") == "retired":
        RootCause.objects.filter(code="people-skill").update(active=False)
        changes = {**changes, "cause": "people-skill"}
    if isinstance(changes.get("responsible_person"), str):
        person = request.getfixturevalue(changes["responsible_person"])
        changes = {**changes, "responsible_person": person.pk}
    body = {**RESOLVE_BODY, **changes}
    response = api(frontline).post(url(complaint.reference, "resolve"), body, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert error["fields"][field] == [message.format(pk=body.get("responsible_person"))]
    assert Complaint.objects.get(pk=complaint.pk).state == State.ASSIGNED


def test_an_unsubstantiated_resolution_needs_no_cause(api, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    body = {**RESOLVE_BODY, "substantiated": False}
    del body["cause"]
    response = api(frontline).post(url(complaint.reference, "resolve"), body, format="json")
    assert response.status_code == 200
    assert response.json()["cause"] is None
    assert response.json()["responsible_department"] is None


def test_the_api_list_filters_by_cause_code(
    api, gm, frontline, make_complaint, django_assert_max_num_queries
):
    from complaints import services
    from tests.conftest import RESOLUTION

    made = {}
    for code in ("people-training", "people-attitude", "system-outage"):
        complaint = make_complaint(State.ASSIGNED)
        made[code] = services.resolve(complaint, by=frontline, **{**RESOLUTION, "cause": code})
    client = api(gm)

    def listed(code: str) -> set[str]:
        response = client.get(url(), {"cause": code})
        assert response.status_code == 200
        return {row["reference"] for row in response.json()["results"]}

    with django_assert_max_num_queries(6):
        people = listed("people")
    assert people == {made["people-training"].reference, made["people-attitude"].reference}
    assert listed("system-outage") == {made["system-outage"].reference}
    assert listed("product") == set()
    # Not a code: refused before any query (never a database error).
    assert client.get(url(), {"cause": "a\x00b"}).status_code == 400
