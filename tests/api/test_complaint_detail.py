"""GET /api/v1/complaints/{reference}/: one complaint, what the user may do with it, and who
may not know it exists."""

from __future__ import annotations

import pytest

from complaints import services
from complaints.models import State
from tests.api.conftest import error_of, url

pytestmark = pytest.mark.django_db


def test_detail_shows_the_complaint_its_version_and_etag(api, manager, make_complaint):
    complaint = make_complaint(State.ASSIGNED, request="An apology")
    response = api(manager).get(url(complaint.reference))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == complaint.reference
    assert body["state"] == "assigned"
    assert body["version"] == 3
    assert response["ETag"] == '"3"'
    assert body["description"] == "Rude agent"
    assert body["request"] == "An apology"
    assert body["complainant_phone"] == "138 0013 8000"
    assert body["created_by"]["username"] == "frontline"
    assert body["assignee"]["username"] == "frontline"
    assert body["classified_at"] is not None
    assert body["remedy_amount"] == "0.00"
    assert body["tracking_code"] == complaint.tracking_code


@pytest.mark.parametrize(
    ("state", "persona", "transitions"),
    [
        (State.RECEIVED, "frontline", ["classify", "reject", "withdraw", "escalate"]),
        (
            State.ASSIGNED,
            "manager",
            ["assign", "resolve", "withdraw", "escalate", "approve-remedy"],
        ),
        (State.ASSIGNED, "frontline", ["assign", "resolve", "withdraw", "escalate"]),
        (State.ASSIGNED, "frontline2", None),  # not theirs: invisible
        (State.RESOLVED, "frontline", ["follow-up", "withdraw"]),
        # State and permission, not conditions: reopen is offered, and refused (409) unless
        # the follow-up found the complainant dissatisfied.
        (State.FOLLOWED_UP, "manager", ["reopen", "close", "withdraw"]),
        (State.CLOSED, "gm", []),
        (State.ASSIGNED, "auditor", []),
    ],
)
def test_available_transitions_name_what_this_user_may_post_now(
    api, make_complaint, request, state, persona, transitions
):
    complaint = make_complaint(state)
    response = api(request.getfixturevalue(persona)).get(url(complaint.reference))
    if transitions is None:
        assert response.status_code == 404
        return
    assert response.json()["available_transitions"] == transitions


@pytest.mark.parametrize("persona", ["frontline_b", "manager_b", "outsider"])
def test_a_complaint_of_another_department_is_404_like_one_that_does_not_exist(
    api, make_complaint, request, persona
):
    complaint = make_complaint(State.CLASSIFIED)
    client = api(request.getfixturevalue(persona))
    hidden = client.get(url(complaint.reference))
    missing = client.get(url("C-2099-999999"))
    assert hidden.status_code == missing.status_code == 404
    assert error_of(hidden) == error_of(missing)


@pytest.mark.parametrize("persona", ["gm", "auditor", "manager"])
def test_detail_is_visible_to_the_department_manager_gm_and_auditor(
    api, make_complaint, request, persona
):
    complaint = make_complaint(State.ASSIGNED)
    assert api(request.getfixturevalue(persona)).get(url(complaint.reference)).status_code == 200


def test_a_confidential_complainant_is_masked_for_the_unit_complained_about(
    api, manager, gm, auditor, make_complaint, dept_a
):
    complaint = make_complaint(
        confidential=True,
        subject_department=dept_a,
        complainant_name="Wang Fang",
        complainant_phone="13800138000",
        complainant_email="wang@example.test",
        complainant_id_number="440101199001011234",
    )
    masked = api(manager).get(url(complaint.reference)).json()
    assert masked["complainant_name"] == "W*******g"
    assert masked["complainant_phone"] == "1*********0"
    assert masked["complainant_email"] == "w***************t"
    assert masked["complainant_id_number"] == "4****************4"
    for persona in (gm, auditor):
        plain = api(persona).get(url(complaint.reference)).json()
        assert plain["complainant_phone"] == "13800138000"


def test_the_staff_member_complained_about_sees_the_complainant_masked(
    api, frontline, make_complaint
):
    complaint = make_complaint(subject_person=frontline, complainant_name="Wang Fang")
    assert api(frontline).get(url(complaint.reference)).json()["complainant_name"] == "W*******g"


def test_links_to_other_complaints_are_given_by_reference(api, gm, make_complaint, manager):
    first = make_complaint(State.CLOSED)
    repeat = make_complaint(repeat_of=first)
    duplicate = make_complaint()
    services.merge(duplicate, into=repeat, by=manager)
    body = api(gm).get(url(duplicate.reference)).json()
    assert body["merged_into"] == repeat.reference
    assert api(gm).get(url(repeat.reference)).json()["repeat_of"] == first.reference


@pytest.mark.parametrize("state", [State.RECEIVED, State.CLOSED])
def test_detail_costs_a_fixed_number_of_queries(
    api, manager, make_complaint, state, django_assert_num_queries
):
    complaint = make_complaint(state, complainant_name="Li Lei")
    if state == State.CLOSED:
        complaint = services.link_repeat(
            make_complaint(State.ASSIGNED), repeat_of=complaint, by=manager
        )
    client = api(manager)
    # token + user, staff profile, the complaint with the relations every complaint has, the
    # user's permissions and group permissions (for available_transitions); and one more for
    # a link to another complaint when there is one (rare: it is not joined, which would cost
    # every request the planning of a twelve-table join).
    with django_assert_num_queries(6 if state == State.CLOSED else 5):
        response = client.get(url(complaint.reference))
    assert response.status_code == 200
