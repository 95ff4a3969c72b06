"""The permission matrix: each tier (and the wrong department) against each lifecycle action."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from complaints import services
from complaints.models import Complaint, State
from tests.conftest import RESOLUTION

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are asserted in English; the product's default language is Chinese."""
    with translation.override("en"):
        yield


PERSONAS = ["frontline", "frontline2", "manager", "gm", "auditor", "frontline_b", "manager_b"]


def yes(*who):
    return {p: p in who for p in PERSONAS}


HANDLERS = ("frontline", "manager", "gm")
# (action, scenario) → who may do it. The complaint belongs to department A; "frontline" is
# its handler once assigned; "frontline2" is a colleague in the same department.
MATRIX = {
    ("classify", "received"): yes("frontline", "frontline2", "manager", "gm"),
    ("reject", "received"): yes("frontline", "frontline2", "manager", "gm"),
    ("reject", "received_major"): yes("manager", "gm"),
    ("assign", "classified"): yes("frontline", "frontline2", "manager", "gm"),
    ("resolve", "assigned"): yes(*HANDLERS),
    ("approve_remedy", "assigned"): yes("manager", "gm"),
    ("follow_up", "resolved"): yes(*HANDLERS),
    ("reopen", "followed_up_dissatisfied"): yes(*HANDLERS),
    ("close", "followed_up"): yes(*HANDLERS),
    ("close", "followed_up_dissatisfied"): yes("gm"),
    ("withdraw", "assigned"): yes(*HANDLERS),
    ("withdraw", "received_major"): yes("manager", "gm"),
    ("escalate", "assigned"): yes(*HANDLERS),
    ("escalate", "escalated"): yes("manager", "gm"),
}


def build(make_complaint, manager, scenario: str) -> Complaint:
    if scenario == "received_major":
        return make_complaint(State.RECEIVED, priority="major")
    if scenario == "followed_up_dissatisfied":
        return make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    if scenario == "escalated":
        complaint = make_complaint(State.ASSIGNED)
        return services.escalate(complaint, by=manager, reason="Needs a manager")
    return make_complaint(scenario)


def kwargs_for(action, *, category, dept_a, handler):
    return {
        "classify": {"category": category, "priority": "normal", "department": dept_a},
        "reject": {"reason_code": "no_clear_request", "explanation": "No request stated"},
        "assign": {"assignee": handler},
        "resolve": RESOLUTION,
        "approve_remedy": {"amount": Decimal("1000")},
        "follow_up": {"outcome": "satisfied"},
        "reopen": {"reason": "Still unhappy"},
        "close": {"reason": "Done"},
        "withdraw": {"reason_code": "withdrawn", "explanation": "Complainant withdrew"},
        "escalate": {"reason": "Beyond my authority"},
    }[action]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("action", "scenario"), sorted(MATRIX))
def test_permission_matrix(
    request, make_complaint, manager, category, dept_a, frontline2, action, scenario, persona
):
    for name in PERSONAS:  # create every persona so departments are fully staffed
        request.getfixturevalue(name)
    user = request.getfixturevalue(persona)
    complaint = build(make_complaint, manager, scenario)
    handler = frontline2 if action == "assign" else None
    kwargs = kwargs_for(action, category=category, dept_a=dept_a, handler=handler)
    before = Complaint.objects.get(pk=complaint.pk)
    allowed = MATRIX[(action, scenario)][persona]

    assert (action in services.available_transitions(before, user)) is allowed
    if allowed:
        after = services.TRANSITIONS[action](complaint, by=user, **kwargs)
        assert after.version == before.version + 1
        assert after.history.latest().history_user == user
    else:
        with pytest.raises(services.ActionForbidden):
            services.TRANSITIONS[action](complaint, by=user, **kwargs)
        unchanged = Complaint.objects.get(pk=complaint.pk)
        assert (unchanged.state, unchanged.version) == (before.state, before.version)


def test_outsider_without_a_tier_can_do_nothing(make_complaint, outsider, category, dept_a):
    complaint = make_complaint(State.RECEIVED)
    assert services.available_transitions(complaint, outsider) == []
    with pytest.raises(services.ActionForbidden):
        services.classify(
            complaint, by=outsider, category=category, priority="normal", department=dept_a
        )


def test_frontline_cannot_move_a_complaint_to_another_department(
    make_complaint, frontline, dept_b, frontline_b
):
    complaint = make_complaint(State.CLASSIFIED)
    with pytest.raises(services.ActionForbidden, match="another department"):
        services.assign(complaint, by=frontline, assignee=frontline_b, department=dept_b)
    assert Complaint.objects.get(pk=complaint.pk).department.code == "service"


def test_manager_may_move_a_complaint_to_another_department(
    make_complaint, manager, dept_b, frontline_b
):
    complaint = make_complaint(State.CLASSIFIED)
    complaint = services.assign(complaint, by=manager, assignee=frontline_b, department=dept_b)
    assert complaint.department == dept_b and complaint.assignee == frontline_b


def test_notes_are_refused_to_auditors_and_other_departments(
    make_complaint, auditor, frontline_b, frontline
):
    complaint = make_complaint(State.ASSIGNED)
    for user in (auditor, frontline_b):
        with pytest.raises(services.ActionForbidden):
            services.add_note(complaint, by=user, body="Sneaky")
    services.add_note(complaint, by=frontline, body="Fine")
    assert complaint.notes.count() == 1
