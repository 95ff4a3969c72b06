"""A backlog of missed deadlines is escalated in chunks (``services.escalate_many``): each
complaint exactly as one escalation would leave it, with a fixed number of queries per chunk,
and a complaint someone else is changing right now is left for the next sweep, not waited for."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, State
from escalation import sweep as sweeping
from escalation.models import Escalation, Notice
from reporting import audit
from reporting.models import AuditRecord
from tests.escalation.conftest import MONDAY_0930

pytestmark = pytest.mark.django_db


def late_backlog(clock, make_complaint, count: int) -> list[Complaint]:
    complaints = [make_complaint(State.RECEIVED) for _ in range(count)]
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    return complaints


def test_a_backlog_escalated_in_chunks_looks_as_if_each_was_escalated_alone(
    clock, make_complaint, manager, committed, settings
):
    settings.ESCALATION_SWEEP_CHUNK = 2  # 5 complaints: three transactions
    complaints = late_backlog(clock, make_complaint, 5)
    with committed():
        report = sweeping.sweep()

    assert sorted(report.escalated) == sorted(
        (c.reference, "frontline", "manager", "acceptance") for c in complaints
    )
    for complaint in complaints:
        stored = Complaint.objects.get(pk=complaint.pk)
        assert (stored.tier, stored.escalation_count, stored.version) == (
            "manager",
            1,
            complaint.version + 1,
        )
        assert stored.escalated_at == MONDAY_0930 + dt.timedelta(minutes=31)
        # The manager's tier has its own budget now; the missed acceptance is consumed.
        assert stored.next_due_at > stored.escalated_at
        last = stored.history.order_by("-history_id").first()
        assert (last.history_transition, last.history_user, last.tier) == (
            "escalate",
            None,
            "manager",
        )
        assert last.history_change_reason.startswith("acceptance deadline missed")
        assert last.next_due_at == stored.next_due_at
        seal = AuditRecord.objects.get(model="complaint", history_id=last.history_id)
        assert (seal.action, seal.department_id) == ("escalate", stored.department_id)
        assert ",tier," in seal.changed_fields and ",escalation_count," in seal.changed_fields
        assert ",description," not in seal.changed_fields
        record = Escalation.objects.get(complaint=complaint)
        assert (record.cause, record.trigger, record.by) == ("deadline", "acceptance", None)
    # Every chain, extended by the bulk seals, still verifies.
    assert audit.verify([c.pk for c in complaints]).breaks == {}
    assert Notice.objects.filter(kind="escalated").count() == 5
    assert set(Notice.objects.filter(kind="escalated").values_list("key", flat=True)) == {
        f"escalated:{pk}" for pk in Escalation.objects.values_list("pk", flat=True)
    }


def test_the_sweeps_queries_do_not_grow_with_the_backlog(clock, make_complaint, settings):
    settings.ESCALATION_SWEEP_CHUNK = 100
    settings.ESCALATION_WARN_MINUTES = 0  # only the missed deadlines, no warnings
    few = late_backlog(clock, make_complaint, 3)
    with CaptureQueriesContext(connection) as few_queries:
        assert len(sweeping.sweep().escalated) == len(few)

    clock.move_to(MONDAY_0930)
    many = late_backlog(clock, make_complaint, 9)
    with CaptureQueriesContext(connection) as many_queries:
        assert len(sweeping.sweep().escalated) == len(many)
    # One UPDATE and one history INSERT per chunk: the same log, whatever the count.
    assert len(many_queries) == len(few_queries)


@pytest.mark.django_db(transaction=True)
def test_a_complaint_someone_is_changing_is_left_for_the_next_sweep(
    shipped_defaults, make_complaint, frontline
):
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    held, free = (make_complaint(State.RECEIVED, received_at=two_hours_ago) for _ in range(2))
    locked, release = threading.Event(), threading.Event()

    def someone_editing() -> None:
        try:
            with transaction.atomic():
                Complaint.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(30)
        finally:
            connections.close_all()

    editor = threading.Thread(target=someone_editing)
    editor.start()
    try:
        assert locked.wait(30)
        first = sweeping.sweep()  # does not wait for the held row
    finally:
        release.set()
        editor.join(30)
    assert [reference for reference, *_ in first.escalated] == [free.reference]
    assert first.skipped == [held.reference]
    second = sweeping.sweep()
    assert [reference for reference, *_ in second.escalated] == [held.reference]
    assert Escalation.objects.filter(complaint=held).count() == 1
    assert audit.verify([held.pk, free.pk]).breaks == {}


def test_escalate_many_leaves_out_a_stale_copy_and_escalates_the_rest(make_complaint, manager):
    stale, current = make_complaint(State.ASSIGNED), make_complaint(State.ASSIGNED)
    services.escalate(stale, by=manager, reason="Complainant demands a manager")
    outcome = services.escalate_many(
        [(stale, "deadline missed"), (current, "deadline missed")], by=None
    )
    assert [c.pk for c in outcome.done] == [current.pk]
    assert "changed by someone else" in outcome.refused[stale.pk]
    assert Complaint.objects.get(pk=stale.pk).escalation_count == 1  # only the manual one
    assert Complaint.objects.get(pk=current.pk).tier == "manager"


def test_escalate_many_writes_each_history_row_as_the_row_was_saved(make_complaint, manager):
    first, second = make_complaint(State.ASSIGNED), make_complaint(State.ASSIGNED)
    rows_before = {c.pk: c.history.count() for c in (first, second)}
    outcome = services.escalate_many(
        [(first, "Beyond my authority"), (second, "Needs another department")], by=manager
    )
    assert len(outcome.done) == 2
    history_model = Complaint.history.model
    for complaint, reason in ((first, "Beyond my authority"), (second, "Needs another department")):
        stored = Complaint.objects.get(pk=complaint.pk)
        rows = list(stored.history.order_by("history_id"))
        last = rows[-1]
        assert len(rows) == rows_before[complaint.pk] + 1  # one new row each
        assert (last.history_type, last.history_transition, last.history_user) == (
            "~",
            "escalate",
            manager,
        )
        assert last.history_change_reason == reason
        assert last.history_date == stored.updated_at
        assert {f.attname: getattr(last, f.attname) for f in history_model.tracked_fields} == {
            f.attname: getattr(stored, f.attname) for f in history_model.tracked_fields
        }
    assert audit.verify([first.pk, second.pk]).breaks == {}
