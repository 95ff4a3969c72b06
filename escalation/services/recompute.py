"""Recomputing open complaints' deadlines when a policy or a calendar changes."""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import timezone

from complaints import services as core
from complaints.models import OPEN_STATES, Complaint
from escalation import deadlines, years
from escalation.models import ClockPause
from escalation.rulebook import rulebook

RECOMPUTED_COLUMNS = [*deadlines.TARGET_COLUMNS.values(), "next_due_at"]


def recompute_open_deadlines(
    ids: list[int] | None = None,
    *,
    by,
    reason: str,
    action: str = "policy_changed",
    calendar_id: int | None = None,
    always: bool = False,
    cleared_year: int | None = None,
    chunk: int = 500,
) -> int:
    """Recompute the deadlines of open complaints (``ids``, or every open one) under the
    current policies and calendars: each deadline still owed from its own start event, with
    its pauses; a met deadline, an approved extension and a reopening keep their dates.

    Called when a policy is saved in the admin and when a calendar year is loaded or
    confirmed (``calendar_id``: only complaints following that calendar). Writes through
    ``complaints.services.set_deadlines_many``, ``chunk`` complaints per transaction, with one
    query for the chunk's pauses: one history row (``action``, ``reason``, ``by``) for each
    complaint whose deadlines moved, or for each one considered with ``always``, or (with
    ``cleared_year``, a year just confirmed) for each one that had a working-time deadline in
    that year, whose provisional flag the confirmation cleared. Returns how many complaints
    got a history row.
    """
    if ids is None:
        ids = list(
            Complaint.objects.filter(state__in=OPEN_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    book = rulebook()
    now = timezone.now()
    written = 0
    for first in range(0, len(ids), chunk):
        part = ids[first : first + chunk]
        compute = functools.partial(
            _recomputed_columns,
            book=book,
            now=now,
            finished=_finished_pauses(part),
            calendar_id=calendar_id,
            always=always,
            cleared_year=cleared_year,
        )
        written += len(
            core.set_deadlines_many(part, by=by, action=action, reason=reason, compute=compute)
        )
    return written


def _finished_pauses(ids: list[int]) -> dict[int, deadlines.Pauses]:
    """The ended pauses of the complaints ``ids``, by complaint, in one query."""
    finished: dict[int, deadlines.Pauses] = {}
    for complaint_id, started, ended in (
        ClockPause.objects.filter(complaint_id__in=ids, status=ClockPause.Status.ENDED)
        .order_by("started_at")
        .values_list("complaint_id", "started_at", "ended_at")
    ):
        finished.setdefault(complaint_id, []).append((started, ended))
    return finished


def _recomputed_columns(
    locked: Complaint,
    *,
    book,
    now: dt.datetime,
    finished: dict[int, deadlines.Pauses],
    calendar_id: int | None,
    always: bool,
    cleared_year: int | None,
) -> dict | None:
    """The ``compute`` of ``set_deadlines_many`` for one locked complaint: the deadline columns
    that moved (None: nothing to write; see ``recompute_open_deadlines`` for when an unchanged
    complaint still gets a history row)."""
    policy = book.for_complaint(locked)
    calendar = book.calendar_of(policy)
    if calendar_id is not None and calendar.calendar_id != calendar_id:
        return None
    before = {column: getattr(locked, column) for column in RECOMPUTED_COLUMNS}
    cleared = cleared_year is not None and years.provisional_in_year(
        locked, policy, calendar, cleared_year
    )
    pauses = deadlines.LazyPauses(locked, loaded=finished.get(locked.pk, []))
    deadlines.recompute(locked, policy, calendar, pauses)
    locked.next_due_at = deadlines.next_due(locked, policy, calendar, now, pauses)
    changed = {
        column: getattr(locked, column)
        for column in RECOMPUTED_COLUMNS
        if getattr(locked, column) != before[column]
    }
    return changed if changed or always or cleared else None
