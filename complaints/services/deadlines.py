"""Deadline columns written outside a lifecycle move: a clock paused or resumed, an extension
granted, a policy or calendar year recomputed. *When* that is allowed is the escalation app's
rule; these only save under the row lock, with history."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction

from complaints.locking import lock, lock_all
from complaints.models import Complaint
from complaints.services.pipeline import _save, _save_many, _snapshot
from complaints.signals import complaint_changed, complaints_changed

DEADLINE_FIELDS = {
    "acceptance_due_at",
    "first_response_due_at",
    "resolution_due_at",
    "follow_up_due_at",
    "next_due_at",
    "promised_reply_at",
    "clock_paused_at",
    "extension_count",
}


def set_deadlines(
    complaint: Complaint, *, by, action: str, reason: str, **fields: Any
) -> Complaint:
    """Write deadline columns outside a lifecycle move (clock paused or resumed, extension
    granted, policy recomputed). Rules about *when* that is allowed live in the escalation app;
    this only saves under the row lock with history. No version bump: a deadline change does not
    make anyone's open form stale. History: one row labelled ``action``.
    """
    unknown = set(fields) - DEADLINE_FIELDS
    if unknown:
        raise TypeError(f"set_deadlines() cannot change {sorted(unknown)}")
    with transaction.atomic():
        locked = lock(complaint)
        for field, value in fields.items():
            setattr(locked, field, value)
        # Only the columns given: a writer of other columns is never overwritten. (No receiver
        # of complaint_changing runs here, so these are all the columns that change.)
        _save(locked, by=by, action=action, reason=reason, update_fields=[*fields, "updated_at"])
        complaint_changed.send(
            sender=Complaint,
            complaint=locked,
            action=action,
            by=by,
            reason=reason,
            source=locked.state,
            target=locked.state,
            context=None,
        )
    return locked


def set_deadlines_many(
    ids: Sequence[int],
    *,
    by,
    action: str,
    reason: str,
    compute: Callable[[Complaint], dict[str, Any] | None],
) -> list[Complaint]:
    """``set_deadlines`` for many complaints in one transaction: the escalation app's path when
    a policy or a calendar year changes under open complaints.

    Locks the rows (waiting for other writers: a deadline recomputed from a copy read before
    someone else's move would undo it), calls ``compute(locked)`` for each, which answers the
    deadline columns to write (``{}``: nothing changes but the history should say it was
    checked) or None to leave the complaint alone, then saves them with one pipeline of
    UPDATEs and one history INSERT, and tells other apps with one ``complaints_changed``.
    No version bump. History: one row labelled ``action`` per complaint written.
    """
    with transaction.atomic():
        locked = lock_all(Complaint.objects.filter(pk__in=list(ids)))
        done: list[Complaint] = []
        before: dict[int, dict[str, Any]] = {}
        for row in locked:
            snapshot = _snapshot(row)
            fields = compute(row)
            if fields is None:
                continue
            unknown = set(fields) - DEADLINE_FIELDS
            if unknown:
                raise TypeError(f"set_deadlines_many() cannot change {sorted(unknown)}")
            for field, value in fields.items():
                setattr(row, field, value)
            before[row.pk] = snapshot
            done.append(row)
        if done:
            reasons = {row.pk: reason for row in done}
            _save_many(done, before, by=by, action=action, reasons=reasons)
            complaints_changed.send(
                sender=Complaint,
                complaints=done,
                action=action,
                by=by,
                reasons=reasons,
                sources={row.pk: row.state for row in done},
                contexts={},
            )
    return done
