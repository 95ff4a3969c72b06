"""The SLA sweep with a controlled clock: each escalation path, idempotency, warnings, and the
emails people receive (locmem; the notification task runs in-process)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from complaints import services
from complaints.models import Complaint, State
from escalation import sweep as sweeping
from escalation.models import Escalation, Notice
from escalation.rulebook import rulebook
from tests.escalation.conftest import MONDAY_0930

pytestmark = pytest.mark.django_db

MINUTE = dt.timedelta(minutes=1)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def actions(complaint: Complaint) -> list[tuple[str, object, str]]:
    return [
        (row.history_transition, row.history_user, row.tier)
        for row in complaint.history.order_by("history_date", "history_id")
    ]


def subjects_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]


def run_sweep(committed):
    with committed():
        return sweeping.sweep()


def test_register_sets_the_standard_deadlines_and_the_next_one(clock, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    assert complaint.acceptance_due_at == MONDAY_0930 + dt.timedelta(minutes=30)
    assert complaint.first_response_due_at == MONDAY_0930 + dt.timedelta(hours=24)
    assert complaint.resolution_due_at == MONDAY_0930 + dt.timedelta(hours=72)
    assert complaint.next_due_at == complaint.acceptance_due_at
    # The deadlines were written by the registration itself: one history row, not two.
    assert [a for a, _u, _t in actions(complaint)] == ["register"]
    row = complaint.history.get()
    assert row.next_due_at == complaint.acceptance_due_at


def test_missed_acceptance_escalates_to_the_department_manager_who_is_emailed(
    clock, make_complaint, manager, committed
):
    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    report = run_sweep(committed)

    assert report.escalated == [(complaint.reference, "frontline", "manager", "acceptance")]
    complaint = fresh(complaint)
    assert complaint.tier == "manager" and complaint.escalation_count == 1
    record = Escalation.objects.get(complaint=complaint)
    assert (record.from_tier, record.to_tier, record.cause, record.trigger) == (
        "frontline",
        "manager",
        "deadline",
        "acceptance",
    )
    assert record.by is None and record.due_at == MONDAY_0930 + dt.timedelta(minutes=30)
    assert actions(complaint)[-1] == ("escalate", None, "manager")
    assert (
        complaint.history.order_by("history_id")
        .last()
        .history_change_reason.startswith("acceptance deadline missed")
    )
    # The miss is answered: the next deadline is the first reply, a day after receipt.
    assert complaint.next_due_at == complaint.first_response_due_at
    assert subjects_to(manager.email) == [
        f"[{complaint.reference}] Escalated to Department manager: deadline missed"
    ]
    assert "acceptance deadline" in mail.outbox[0].body


def test_a_second_miss_at_the_manager_tier_goes_to_the_general_manager(
    clock, make_complaint, manager, gm, committed
):
    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    run_sweep(committed)
    clock.move_to(MONDAY_0930 + dt.timedelta(hours=24, minutes=1))
    report = run_sweep(committed)

    assert report.escalated == [(complaint.reference, "manager", "gm", "first_response")]
    complaint = fresh(complaint)
    assert complaint.tier == "gm" and complaint.escalation_count == 2
    assert [e.to_tier for e in complaint.escalations.order_by("created_at")] == ["manager", "gm"]
    subject = f"[{complaint.reference}] Escalated to General manager: deadline missed"
    assert subject in subjects_to(gm.email)
    assert subject in subjects_to(manager.email)


def test_urgent_complaints_escalate_at_the_tier_budgets_15_then_30_minutes(
    clock, make_complaint, manager, gm, committed
):
    # Classified and assigned at once: only the tier budgets are close.
    complaint = make_complaint(State.ASSIGNED, priority="urgent")
    assert complaint.next_due_at == MONDAY_0930 + dt.timedelta(minutes=15)

    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=14))
    assert run_sweep(committed).escalated == []
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=15, seconds=30))
    assert run_sweep(committed).escalated == [
        (complaint.reference, "frontline", "manager", "tier_budget")
    ]
    complaint = fresh(complaint)
    # The manager has 30 minutes from when it arrived.
    assert complaint.next_due_at == complaint.escalated_at + dt.timedelta(minutes=30)

    clock.move_to(complaint.escalated_at + dt.timedelta(minutes=30, seconds=1))
    assert run_sweep(committed).escalated == [(complaint.reference, "manager", "gm", "tier_budget")]
    assert fresh(complaint).tier == "gm"


def test_a_major_complaint_starts_with_the_manager_and_the_gm_is_told_once(
    clock, make_complaint, category, manager, gm, committed
):
    with committed():
        complaint = make_complaint(State.RECEIVED, priority="major")
    assert complaint.tier == "manager"
    assert subjects_to(gm.email) == [f"[{complaint.reference}] Major complaint received"]
    with committed():
        services.classify(
            fresh(complaint),
            by=manager,
            category=category,
            priority="major",
            department=complaint.department,
        )
    assert len(subjects_to(gm.email)) == 1  # classified as major again: no second notice

    # Classified at once, so the manager's 30 minutes are what runs out first.
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=30, seconds=1))
    report = run_sweep(committed)
    assert report.escalated == [(complaint.reference, "manager", "gm", "tier_budget")]


def test_a_promised_reply_time_is_a_deadline(clock, make_complaint, committed):
    promised = MONDAY_0930 + dt.timedelta(minutes=10)
    complaint = make_complaint(State.RECEIVED, promised_reply_at=promised)
    assert complaint.next_due_at == promised
    clock.move_to(promised + MINUTE)
    report = run_sweep(committed)
    assert report.escalated == [(complaint.reference, "frontline", "manager", "promised_reply")]


def test_a_missed_resolution_escalates_the_assigned_complaint(
    clock, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED)
    services.log_communication(
        complaint, by=frontline, medium="call", direction="out", summary="Called back"
    )
    # The first reply was logged: its deadline stopped at once, the resolution's runs.
    assert fresh(complaint).next_due_at == MONDAY_0930 + dt.timedelta(hours=72)
    clock.move_to(MONDAY_0930 + dt.timedelta(hours=24, minutes=1))
    report = run_sweep(committed)
    assert report.escalated == [] and report.recomputed == []

    clock.move_to(MONDAY_0930 + dt.timedelta(hours=72, minutes=1))
    report = run_sweep(committed)
    assert report.escalated == [(complaint.reference, "frontline", "manager", "resolution")]


def test_running_the_sweep_twice_escalates_once(clock, make_complaint, manager, committed):
    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    first = run_sweep(committed)
    second = run_sweep(committed)
    assert len(first.escalated) == 1 and second.escalated == []
    assert Escalation.objects.filter(complaint=complaint).count() == 1
    assert [a for a, _u, _t in actions(complaint)].count("escalate") == 1
    assert len(subjects_to(manager.email)) == 1


def test_a_sweep_working_from_a_stale_read_escalates_nothing(clock, make_complaint, committed):
    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    stale = list(sweeping.due_complaints(MONDAY_0930 + dt.timedelta(hours=1), 10))
    run_sweep(committed)  # another sweep got there first
    late = sweeping.SweepReport()
    sweeping._escalate_all([stale[0]], rulebook(), MONDAY_0930 + dt.timedelta(minutes=31), late)
    assert late.escalated == [] and late.skipped == [complaint.reference]
    assert fresh(complaint).escalation_count == 1


def test_a_clock_stopped_between_the_read_and_the_lock_is_not_escalated(
    clock, make_complaint, frontline
):
    from escalation import services as sla

    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    stale = list(sweeping.due_complaints(MONDAY_0930 + dt.timedelta(hours=1), 10))
    # Stopping the clock writes deadlines without a version bump: only the re-check under the
    # row lock can notice it.
    sla.request_pause(
        complaint,
        by=frontline,
        reason_code="waiting_complainant",
        until=MONDAY_0930 + dt.timedelta(hours=5),
    )
    report = sweeping.SweepReport()
    sweeping._escalate_all([stale[0]], rulebook(), MONDAY_0930 + dt.timedelta(minutes=31), report)
    assert report.escalated == [] and report.skipped == [complaint.reference]
    assert fresh(complaint).tier == "frontline"


def test_a_miss_with_the_general_manager_is_recorded_and_reported_once(
    clock, make_complaint, manager, gm, committed
):
    complaint = make_complaint(State.RECEIVED)
    services.escalate(complaint, by=manager, reason="Complainant demands the top")
    services.escalate(fresh(complaint), by=manager, reason="Needs the GM")
    assert fresh(complaint).next_due_at == complaint.acceptance_due_at

    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    first = run_sweep(committed)
    second = run_sweep(committed)
    assert first.breached_at_top == [complaint.reference] and second.breached_at_top == []
    complaint = fresh(complaint)
    assert actions(complaint)[-1] == ("sla_breach", None, "gm")
    assert complaint.next_due_at == complaint.first_response_due_at
    breach = f"[{complaint.reference}] acceptance deadline missed"
    assert subjects_to(gm.email).count(breach) == 1
    assert subjects_to(manager.email).count(breach) == 1


def test_the_handler_is_warned_once_before_a_deadline(
    clock, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED, handler=frontline)
    # Classified at 09:30: acceptance met; the next deadline is the first reply at 09:30 Tuesday.
    clock.move_to(MONDAY_0930 + dt.timedelta(hours=23, minutes=45))
    first = run_sweep(committed)
    second = run_sweep(committed)
    assert first.warned == [complaint.reference] and second.warned == []
    assert subjects_to(frontline.email) == [f"[{complaint.reference}] Deadline at 09:30"]
    assert fresh(complaint).tier == "frontline"


def test_a_handler_escalates_by_hand_with_a_reason_and_the_complainant_is_told(
    clock, make_complaint, frontline, manager, committed, settings
):
    from correspondence.models import Message
    from escalation import services as sla
    from tests.correspondence.conftest import make_templates

    make_templates()
    settings.REDRESS_TASKS_SYNC = True
    complaint = make_complaint(State.ASSIGNED, complainant_email="li.lei@example.test")
    with committed():
        sla.escalate_by_hand(
            complaint,
            by=frontline,
            reason_code="beyond_authority",
            explanation="Asks for a refund of a year of fees",
            tell_complainant=True,
        )
    record = Escalation.objects.get(complaint=complaint)
    assert (record.cause, record.reason_code, record.by) == (
        "manual",
        "beyond_authority",
        frontline,
    )
    row = fresh(complaint).history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("escalate", frontline)
    assert row.history_change_reason == "Beyond my authority: Asks for a refund of a year of fees"
    assert subjects_to(manager.email) == [
        f"[{complaint.reference}] Escalated to Department manager"
    ]
    # Through correspondence's outbox, by the complainant's best channel, in their language.
    [message] = Message.objects.filter(complaint=complaint, purpose="escalation")
    assert (message.channel, message.status) == ("email", "sent")
    told = [m for m in mail.outbox if m.to == ["li.lei@example.test"]]
    assert [m.subject for m in told] == [f"[{complaint.reference}] Escalated"]
    assert told[0].body.endswith("(zh-hans)")
    assert told[0].alternatives  # an HTML part too
    assert frontline.email not in [a for m in mail.outbox for a in m.to]  # not told of own act


def test_sweep_sla_prints_what_it_escalated(clock, make_complaint, committed):
    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    out = StringIO()
    with committed():
        call_command("sweep_sla", stdout=out)
    assert f"escalated {complaint.reference}: frontline → manager (acceptance missed)" in (
        out.getvalue()
    )
    assert "escalated 1," in out.getvalue()


def test_setup_schedules_creates_the_every_minute_sweep(db):
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=StringIO())
    call_command("setup_schedules", stdout=StringIO())
    schedule = Schedule.objects.get(name="sla-sweep")
    assert (schedule.func, schedule.schedule_type, schedule.minutes) == (
        "escalation.tasks.sweep",
        Schedule.MINUTES,
        1,
    )


def test_the_sweep_task_returns_its_summary(clock, make_complaint, committed):
    from escalation.tasks import sweep

    make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    with committed():
        assert sweep().startswith("escalated 1,")


def test_notices_are_sent_once_even_if_the_task_runs_twice(clock, make_complaint, committed):
    from escalation.tasks import send_notices

    make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    run_sweep(committed)
    notice = Notice.objects.get(kind="escalated")
    assert notice.sent_at is not None
    before = len(mail.outbox)
    assert send_notices([notice.pk]) == 0
    assert len(mail.outbox) == before


def test_an_unrouted_complaint_escalates_with_the_general_manager_told(
    clock, frontline, gm, committed
):
    complaint = services.register(
        by=None, channel="web", description="Nobody answered", complainant_name="Han Mei"
    )
    assert complaint.department is None
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    assert run_sweep(committed).escalated == [
        (complaint.reference, "frontline", "manager", "acceptance")
    ]
    assert subjects_to(gm.email) == [
        f"[{complaint.reference}] Escalated to Department manager: deadline missed"
    ]
