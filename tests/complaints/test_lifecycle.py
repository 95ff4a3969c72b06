"""The complaint lifecycle through the services: every move, every refusal, nothing half-saved."""

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


ALL_STATES = [s.value for s in State]


def history_actions(complaint: Complaint) -> list[str]:
    return list(
        complaint.history.order_by("history_date", "history_id").values_list(
            "history_transition", flat=True
        )
    )


def test_full_lifecycle_records_every_milestone_and_history_row(
    frontline, manager, category, dept_a
):
    c = services.register(
        by=frontline,
        channel="phone",
        description="The agent hung up on me",
        complainant_name="王芳",
        complainant_phone="+86 138-0013-8000",
        request="An apology",
    )
    assert c.reference.startswith("C-")
    assert c.state == State.RECEIVED
    assert c.department == dept_a  # defaults to the registering agent's department
    assert c.complainant_phone_norm == "13800138000"

    c = services.classify(c, by=frontline, category=category, priority="normal", department=dept_a)
    assert c.state == State.CLASSIFIED and c.classified_at is not None
    c = services.assign(c, by=manager, assignee=frontline, reason="Yours")
    assert c.state == State.ASSIGNED and c.assignee == frontline
    c = services.resolve(c, by=frontline, **RESOLUTION)
    assert c.state == State.RESOLVED and c.resolved_at is not None
    assert c.first_response_at == c.resolved_at
    c = services.follow_up(c, by=frontline, outcome="satisfied", comment="Happy now")
    assert c.state == State.FOLLOWED_UP and c.followed_up_at is not None
    c = services.close(c, by=frontline, reason="Done")
    assert c.state == State.CLOSED and c.closed_at is not None
    assert c.version == 6

    assert history_actions(c) == [
        "register",
        "classify",
        "assign",
        "resolve",
        "follow_up",
        "close",
    ]


def test_every_history_row_names_the_user_and_the_reason(frontline, manager, category, dept_a):
    c = services.register(by=frontline, channel="letter", description="Bill is wrong")
    c = services.classify(
        c, by=frontline, category=category, priority="urgent", department=dept_a, reason="Billing"
    )
    c = services.assign(c, by=manager, assignee=frontline, reason="Handle today")
    c = services.escalate(c, by=frontline, reason="Complainant demands a manager")

    rows = list(c.history.order_by("history_date", "history_id"))
    assert [(r.history_transition, r.history_user, r.history_change_reason) for r in rows] == [
        ("register", frontline, ""),
        ("classify", frontline, "Billing"),
        ("assign", manager, "Handle today"),
        ("escalate", frontline, "Complainant demands a manager"),
    ]
    assert rows[-1].tier == "manager"


def test_dissatisfied_follow_up_reopens_and_counts(make_complaint, frontline, manager):
    c = make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    c = services.reopen(c, by=manager, reason="Complainant still unhappy")
    assert c.state == State.ASSIGNED
    assert c.reopen_count == 1
    c = services.resolve(c, by=frontline, **RESOLUTION)
    c = services.follow_up(c, by=frontline, outcome="basically_satisfied")
    c = services.close(c, by=frontline)
    assert c.state == State.CLOSED and c.reopen_count == 1


def test_reopen_refuses_a_satisfied_follow_up(make_complaint, manager):
    c = make_complaint(State.FOLLOWED_UP, outcome="satisfied")
    with pytest.raises(services.TransitionRefused, match="dissatisfied"):
        services.reopen(c, by=manager, reason="?")
    assert Complaint.objects.get(pk=c.pk).state == State.FOLLOWED_UP


def test_reject_keeps_the_reason_and_tells_why(make_complaint, manager):
    c = make_complaint(State.RECEIVED)
    c = services.reject(
        c, by=manager, reason_code="other_proceedings", explanation="Already before the court"
    )
    assert c.state == State.REJECTED
    assert c.reject_reason == "other_proceedings"
    assert c.decision_note == "Already before the court"
    assert c.history.latest().history_change_reason == "Already before the court"


@pytest.mark.parametrize("reason", ["withdrawn", "untrue", "no_cooperation", "litigation"])
@pytest.mark.parametrize(
    "state", [State.RECEIVED, State.CLASSIFIED, State.ASSIGNED, State.RESOLVED, State.FOLLOWED_UP]
)
def test_withdraw_from_every_open_state(make_complaint, manager, state, reason):
    c = make_complaint(state)
    c = services.withdraw(c, by=manager, reason_code=reason, explanation="See note")
    assert c.state == State.WITHDRAWN and c.withdraw_reason == reason


# The allowed source states of each action; every other state must be refused with 409.
SOURCES = {
    "classify": {State.RECEIVED},
    "reject": {State.RECEIVED},
    "assign": {State.CLASSIFIED, State.ASSIGNED},
    "resolve": {State.ASSIGNED},
    "follow_up": {State.RESOLVED},
    "reopen": {State.FOLLOWED_UP},
    "close": {State.FOLLOWED_UP},
    "withdraw": {
        State.RECEIVED,
        State.CLASSIFIED,
        State.ASSIGNED,
        State.RESOLVED,
        State.FOLLOWED_UP,
    },
    "escalate": {State.RECEIVED, State.CLASSIFIED, State.ASSIGNED},
    "approve_remedy": {State.ASSIGNED},
}


def action_kwargs(action, *, category, dept, assignee):
    return {
        "classify": {"category": category, "priority": "normal", "department": dept},
        "reject": {"reason_code": "duplicate", "explanation": "dup"},
        "assign": {"assignee": assignee},
        "resolve": RESOLUTION,
        "follow_up": {"outcome": "dissatisfied"},
        "reopen": {"reason": "r"},
        "close": {"reason": "r"},
        "withdraw": {"reason_code": "withdrawn", "explanation": "x"},
        "escalate": {"reason": "r"},
        "approve_remedy": {"amount": Decimal("300")},
    }[action]


@pytest.mark.parametrize(
    ("action", "state"),
    [(a, s) for a in sorted(SOURCES) for s in ALL_STATES if s not in SOURCES[a]],
)
def test_actions_from_a_state_they_do_not_leave_are_refused(
    make_complaint, gm, frontline, category, dept_a, state, action
):
    c = make_complaint(state, outcome="dissatisfied" if state == State.FOLLOWED_UP else "satisfied")
    before = list(Complaint.objects.filter(pk=c.pk).values())[0]
    with pytest.raises(services.TransitionRefused):
        services.TRANSITIONS[action](
            c, by=gm, **action_kwargs(action, category=category, dept=dept_a, assignee=frontline)
        )
    assert list(Complaint.objects.filter(pk=c.pk).values())[0] == before
    assert c.history.count() == Complaint.objects.get(pk=c.pk).history.count()


@pytest.mark.parametrize(
    ("action", "state", "kwargs", "message"),
    [
        ("classify", State.RECEIVED, {"category": None, "priority": "normal"}, "category"),
        ("reject", State.RECEIVED, {"reason_code": "", "explanation": "x"}, "rejection reason"),
        ("withdraw", State.ASSIGNED, {"reason_code": "", "explanation": "x"}, "termination"),
        ("assign", State.CLASSIFIED, {"assignee": None}, "handler"),
        ("resolve", State.ASSIGNED, {**RESOLUTION, "root_cause": "  "}, "root cause"),
        ("resolve", State.ASSIGNED, {**RESOLUTION, "substantiated": None}, "substantiation"),
        ("follow_up", State.RESOLVED, {"outcome": ""}, "outcome"),
    ],
)
def test_missing_conditions_are_refused_with_a_clear_message_and_nothing_saved(
    make_complaint, gm, dept_a, action, state, kwargs, message
):
    c = make_complaint(state)
    if action == "classify":
        kwargs = {**kwargs, "department": dept_a}
    with pytest.raises(services.TransitionRefused, match=message):
        services.TRANSITIONS[action](c, by=gm, **kwargs)
    fresh = Complaint.objects.get(pk=c.pk)
    assert fresh.state == state and fresh.version == c.version


def test_assign_refuses_a_handler_from_another_department(make_complaint, manager, frontline_b):
    c = make_complaint(State.CLASSIFIED)
    with pytest.raises(services.TransitionRefused, match="department"):
        services.assign(c, by=manager, assignee=frontline_b)
    assert Complaint.objects.get(pk=c.pk).assignee_id is None


def test_recusal_the_person_complained_about_is_never_assigned(make_complaint, manager, frontline):
    c = make_complaint(State.CLASSIFIED, subject_person=frontline)
    with pytest.raises(services.TransitionRefused, match="complained about"):
        services.assign(c, by=manager, assignee=frontline)


def test_recusal_the_person_complained_about_cannot_resolve_or_follow_up(
    make_complaint, manager, frontline
):
    # The department manager may otherwise act on any complaint of the department.
    c = make_complaint(State.ASSIGNED, subject_person=manager)
    with pytest.raises(services.ActionForbidden):
        services.resolve(c, by=manager, **RESOLUTION)
    c = services.resolve(c, by=frontline, **RESOLUTION)
    with pytest.raises(services.ActionForbidden):
        services.follow_up(c, by=manager, outcome="satisfied")
    assert Complaint.objects.get(pk=c.pk).state == State.RESOLVED


def test_major_complaints_start_at_the_manager_tier(frontline, manager, category, dept_a):
    c = services.register(by=frontline, channel="phone", description="Injury", priority="major")
    assert c.tier == "manager"
    other = services.register(by=frontline, channel="phone", description="Fire")
    other = services.classify(
        other, by=frontline, category=category, priority="major", department=dept_a
    )
    assert other.tier == "manager"


def test_escalation_climbs_the_tiers_and_stops_at_the_general_manager(make_complaint, gm):
    c = make_complaint(State.ASSIGNED)
    c = services.escalate(c, by=None, reason="Resolution deadline breached")
    assert c.tier == "manager" and c.escalation_count == 1
    c = services.escalate(c, by=None, reason="Still breached")
    assert c.tier == "gm"
    with pytest.raises(services.TransitionRefused, match="general manager"):
        services.escalate(c, by=None, reason="Again")
    assert c.history.latest().history_user is None  # the system did it


def test_escalated_complaint_is_handled_at_its_tier(make_complaint, manager, frontline):
    c = make_complaint(State.CLASSIFIED)
    c = services.escalate(c, by=frontline, reason="Beyond my authority")
    with pytest.raises(services.ActionForbidden):
        services.assign(c, by=frontline, assignee=frontline)
    with pytest.raises(services.TransitionRefused, match="tier"):
        services.assign(c, by=manager, assignee=frontline)
    c = services.assign(c, by=manager, assignee=manager)
    assert c.assignee == manager


def test_remedy_beyond_the_tier_limit_needs_approval(make_complaint, frontline, manager):
    c = make_complaint(State.ASSIGNED)
    big = {**RESOLUTION, "remedy_amount": Decimal("800.00")}
    with pytest.raises(services.ApprovalRequired, match="approve"):
        services.resolve(c, by=frontline, **big)
    assert Complaint.objects.get(pk=c.pk).state == State.ASSIGNED

    c = services.approve_remedy(c, by=manager, amount=Decimal("800.00"), reason="Fair")
    assert c.remedy_approved_amount == Decimal("800.00") and c.remedy_approved_by == manager
    c = services.resolve(c, by=frontline, **big)
    assert c.state == State.RESOLVED
    # Approval does not stretch: more than approved is refused again.
    other = make_complaint(State.ASSIGNED)
    other = services.approve_remedy(other, by=manager, amount=Decimal("300.00"))
    with pytest.raises(services.ApprovalRequired):
        services.resolve(other, by=frontline, **{**RESOLUTION, "remedy_amount": Decimal("301")})


def test_a_manager_cannot_approve_beyond_their_own_limit(make_complaint, manager, gm):
    c = make_complaint(State.ASSIGNED)
    with pytest.raises(services.ActionForbidden, match="limit"):
        services.approve_remedy(c, by=manager, amount=Decimal("100000"))
    c = services.approve_remedy(c, by=gm, amount=Decimal("100000"))
    assert c.remedy_approved_amount == Decimal("100000")


def test_closing_after_a_dissatisfied_follow_up_is_for_the_general_manager(
    make_complaint, manager, gm
):
    c = make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    with pytest.raises(services.ActionForbidden):
        services.close(c, by=manager, reason="Enough")
    c = services.close(c, by=gm, reason="Final decision: no further remedy")
    assert c.state == State.CLOSED


def test_outbound_communication_sets_first_response_once(make_complaint, frontline):
    c = make_complaint(State.ASSIGNED)
    services.log_communication(
        c, by=frontline, medium="call", direction="out", summary="Called, promised reply"
    )
    first = Complaint.objects.get(pk=c.pk).first_response_at
    assert first is not None
    services.log_communication(c, by=frontline, medium="call", direction="out", summary="Again")
    assert Complaint.objects.get(pk=c.pk).first_response_at == first


def test_notes_communications_and_attachments_keep_history(make_complaint, frontline):
    from django.core.files.base import ContentFile

    c = make_complaint(State.ASSIGNED)
    note = services.add_note(c, by=frontline, body="Checked the call recording")
    comm = services.log_communication(
        c, by=frontline, medium="letter", direction="out", summary="Reply sent", public=True
    )
    att = services.add_attachment(
        c,
        by=frontline,
        file=ContentFile(b"%PDF-1.4 evidence", name="receipt.pdf"),
        original_name="receipt.pdf",
        content_type="application/pdf",
        size=17,
    )
    for record, action in ((note, "note"), (comm, "communication"), (att, "attachment")):
        row = record.history.get()
        assert row.history_user == frontline and row.history_transition == action


def test_update_details_edits_registration_fields_with_history(make_complaint, frontline):
    c = make_complaint(State.CLASSIFIED)
    c = services.update_details(
        c, by=frontline, changes={"complainant_phone": "139-0000-0000"}, reason="Typo"
    )
    assert c.complainant_phone_norm == "13900000000"
    row = c.history.latest()
    assert row.history_change_reason == "Typo" and row.history_transition == "edit"


def test_available_transitions_follow_state_and_tier(make_complaint, frontline, auditor, gm):
    c = make_complaint(State.RECEIVED)
    assert set(services.available_transitions(c, frontline)) == {
        "classify",
        "reject",
        "withdraw",
        "escalate",
    }
    assert services.available_transitions(c, auditor) == []
    c = make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    assert "close" in services.available_transitions(c, gm)


def test_the_registering_agent_attaches_evidence_to_a_major_complaint_only_while_received(
    frontline, manager, category, dept_a
):
    from django.core.files.base import ContentFile

    def evidence():
        return {
            "file": ContentFile(b"%PDF-1.4 receipt", name="receipt.pdf"),
            "original_name": "receipt.pdf",
            "content_type": "application/pdf",
            "size": 16,
        }

    c = services.register(by=frontline, channel="counter", description="Fire", priority="major")
    assert services.add_attachment(c, by=frontline, **evidence()).uploaded_by == frontline
    c = services.classify(c, by=manager, category=category, priority="major", department=dept_a)
    with pytest.raises(services.ActionForbidden):
        services.add_attachment(c, by=frontline, **evidence())


def test_the_first_outbound_contact_stops_the_first_response_clock(make_complaint, frontline):
    c = make_complaint(State.ASSIGNED)
    services.log_communication(c, by=frontline, medium="call", direction="out", summary="Called")
    row = Complaint.objects.get(pk=c.pk).history.latest()
    assert row.history_transition == "first_response" and row.history_user == frontline
