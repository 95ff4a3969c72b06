"""Stopping and restarting the SLA clock: reasons, approval beyond the limit, deadlines moved by
the pause, the sweep's respect for a stopped clock and its restart of expired pauses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from complaints import services
from complaints.models import Complaint, State
from complaints.services import ActionForbidden, TransitionRefused
from escalation import services as sla
from escalation.models import ClockPause, SlaPolicy
from escalation.sweep import sweep
from tests.conftest import RESOLUTION
from tests.escalation.conftest import MONDAY_0930, SHANGHAI

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
M = dt.timedelta(minutes=1)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def last_row(complaint: Complaint):
    return complaint.history.order_by("history_id").last()


def subjects_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]


def test_a_short_pause_stops_the_clock_at_once_with_its_reason_in_history(
    clock, make_complaint, frontline
):
    complaint = make_complaint(State.RECEIVED)
    pause = sla.request_pause(
        complaint,
        by=frontline,
        reason_code="waiting_complainant",
        until=MONDAY_0930 + 5 * H,
        note="Asked for the receipt",
    )
    assert pause.status == ClockPause.Status.ACTIVE and pause.started_at == MONDAY_0930
    complaint = fresh(complaint)
    assert complaint.clock_paused_at == MONDAY_0930 and complaint.next_due_at is None
    row = last_row(complaint)
    assert (row.history_transition, row.history_user) == ("pause", frontline)
    assert row.history_change_reason == "Waiting for the complainant: Asked for the receipt"


def test_a_stopped_clock_is_not_escalated_and_resuming_moves_the_deadlines_by_the_pause(
    clock, make_complaint, frontline, committed
):
    complaint = make_complaint(State.RECEIVED)  # accept by 10:00, first reply Tuesday 09:30
    clock.move_to(MONDAY_0930 + 10 * M)
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_third_party", until=MONDAY_0930 + 3 * H
    )
    clock.move_to(MONDAY_0930 + 90 * M)
    with committed():
        assert sweep().escalated == []

    clock.move_to(MONDAY_0930 + 130 * M)  # two hours after the clock stopped
    sla.resume(complaint, by=frontline)
    complaint = fresh(complaint)
    assert complaint.clock_paused_at is None
    assert complaint.acceptance_due_at == MONDAY_0930 + 30 * M + 2 * H
    assert complaint.first_response_due_at == MONDAY_0930 + 24 * H + 2 * H
    assert complaint.resolution_due_at == MONDAY_0930 + 72 * H + 2 * H
    assert complaint.next_due_at == complaint.acceptance_due_at
    assert (last_row(complaint).history_transition, last_row(complaint).history_user) == (
        "resume",
        frontline,
    )
    pause = ClockPause.objects.get(complaint=complaint)
    assert (pause.status, pause.end_cause, pause.ended_by) == ("ended", "resumed", frontline)


def test_a_pause_over_the_weekend_costs_a_working_days_deadline_only_the_business_time_it_covered(
    clock, make_complaint, frontline, dept_a
):
    SlaPolicy.objects.create(
        name="Government office for A",
        department=dept_a,
        acceptance_amount=3,
        acceptance_unit="working_days",
        resolution_amount=30,
        resolution_unit="working_days",
    )
    friday_10 = dt.datetime(2026, 3, 6, 10, 0, tzinfo=SHANGHAI)
    clock.move_to(friday_10)
    complaint = make_complaint(State.RECEIVED)
    assert complaint.acceptance_due_at == dt.datetime(2026, 3, 11, 18, 0, tzinfo=SHANGHAI)

    clock.move_to(dt.datetime(2026, 3, 6, 17, 0, tzinfo=SHANGHAI))
    sla.request_pause(
        complaint,
        by=frontline,
        reason_code="waiting_complainant",
        until=dt.datetime(2026, 3, 9, 12, 0, tzinfo=SHANGHAI),
    )
    clock.move_to(dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI))
    sla.resume(complaint, by=frontline)
    # Only Friday 17:00-18:00 was business time: the deadline moves by one working hour.
    assert fresh(complaint).acceptance_due_at == dt.datetime(2026, 3, 12, 10, 0, tzinfo=SHANGHAI)


def test_a_pause_pushes_back_the_tier_budget_too(clock, make_complaint, frontline, committed):
    complaint = make_complaint(State.ASSIGNED, priority="urgent")  # frontline has until 09:45
    clock.move_to(MONDAY_0930 + 5 * M)
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
    )
    clock.move_to(MONDAY_0930 + 20 * M)
    sla.resume(complaint, by=frontline)
    assert fresh(complaint).next_due_at == MONDAY_0930 + 30 * M  # 15 minutes of pause
    clock.move_to(MONDAY_0930 + 25 * M)
    with committed():
        assert sweep().escalated == []
    clock.move_to(MONDAY_0930 + 31 * M)
    with committed():
        assert sweep().escalated == [(complaint.reference, "frontline", "manager", "tier_budget")]


def test_a_long_pause_waits_for_the_managers_approval_while_the_clock_runs(
    clock, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED)
    with committed():
        pause = sla.request_pause(
            complaint,
            by=frontline,
            reason_code="waiting_third_party",
            until=MONDAY_0930 + 10 * 24 * H,
            note="The insurer answers within ten days",
        )
    assert pause.status == ClockPause.Status.REQUESTED
    assert fresh(complaint).clock_paused_at is None
    assert subjects_to(manager.email) == [
        f"[{complaint.reference}] Approval needed: stop the clock"
    ]

    clock.move_to(MONDAY_0930 + H)
    with committed():
        sla.decide_pause(pause, by=manager, approve=True, note="Fine")
    pause.refresh_from_db()
    assert (pause.status, pause.decided_by, pause.started_at) == (
        "active",
        manager,
        MONDAY_0930 + H,
    )
    assert fresh(complaint).clock_paused_at == MONDAY_0930 + H
    assert last_row(fresh(complaint)).history_user == manager
    assert subjects_to(frontline.email) == [f"[{complaint.reference}] Clock pause approved"]


def test_a_refused_pause_leaves_the_clock_running_and_tells_the_requester(
    clock, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED)
    pause = sla.request_pause(
        complaint, by=frontline, reason_code="other", until=MONDAY_0930 + 8 * 24 * H, note="?"
    )
    with committed():
        sla.decide_pause(pause, by=manager, approve=False, note="Call them instead")
    pause.refresh_from_db()
    assert pause.status == ClockPause.Status.REFUSED
    assert fresh(complaint).next_due_at is not None
    assert subjects_to(frontline.email) == [f"[{complaint.reference}] Clock pause refused"]
    with pytest.raises(TransitionRefused):
        sla.decide_pause(pause, by=manager, approve=True)


def test_only_another_manager_tier_handler_decides_a_pause(
    clock, make_complaint, frontline, frontline2, manager_b, auditor
):
    complaint = make_complaint(State.RECEIVED)
    pause = sla.request_pause(
        complaint, by=frontline, reason_code="other", until=MONDAY_0930 + 8 * 24 * H, note="?"
    )
    for user in (frontline2, manager_b, auditor):
        with pytest.raises(ActionForbidden):
            sla.decide_pause(pause, by=user, approve=True)
    with pytest.raises(ActionForbidden):
        sla.request_pause(
            complaint, by=auditor, reason_code="other", until=MONDAY_0930 + H, note="x"
        )


def test_a_manager_may_stop_the_clock_for_long_without_asking(clock, make_complaint, manager):
    complaint = make_complaint(State.ASSIGNED)
    pause = sla.request_pause(
        complaint, by=manager, reason_code="waiting_authority", until=MONDAY_0930 + 20 * 24 * H
    )
    assert (pause.status, pause.decided_by) == ("active", manager)


def test_the_sweep_restarts_a_clock_whose_planned_end_passed(
    clock, make_complaint, frontline, committed
):
    complaint = make_complaint(State.ASSIGNED)
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
    )
    clock.move_to(MONDAY_0930 + H + M)
    with committed():
        report = sweep()
    assert report.resumed == [complaint.reference]
    complaint = fresh(complaint)
    assert complaint.clock_paused_at is None and complaint.next_due_at is not None
    row = last_row(complaint)
    assert (row.history_transition, row.history_user) == ("resume", None)
    assert ClockPause.objects.get(complaint=complaint).end_cause == "expired"
    assert subjects_to(frontline.email) == [f"[{complaint.reference}] The clock runs again"]


def test_resolving_a_complaint_ends_its_stopped_clock(clock, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
    )
    services.resolve(fresh(complaint), by=frontline, **RESOLUTION)
    complaint = fresh(complaint)
    assert complaint.clock_paused_at is None
    assert complaint.next_due_at == complaint.follow_up_due_at
    pause = ClockPause.objects.get(complaint=complaint)
    assert (pause.status, pause.end_cause) == ("ended", "state_change")


def test_a_pause_is_refused_when_the_clock_is_not_running_or_already_stopped(
    clock, make_complaint, frontline
):
    resolved = make_complaint(State.RESOLVED)
    with pytest.raises(TransitionRefused):
        sla.request_pause(
            resolved, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
        )
    complaint = make_complaint(State.RECEIVED)
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
    )
    with pytest.raises(TransitionRefused):
        sla.request_pause(
            complaint, by=frontline, reason_code="waiting_complainant", until=MONDAY_0930 + H
        )
    with pytest.raises(TransitionRefused):
        sla.resume(make_complaint(State.RECEIVED), by=frontline)
