"""The SLA clock: stopping it (a pause, approved by a manager beyond a limit) and restarting it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as core
from complaints.locking import lock, lock_all
from complaints.models import Complaint, State
from complaints.people import display_name
from complaints.services import ActionForbidden, TransitionRefused
from escalation import deadlines, notify
from escalation.calendar import Unit
from escalation.models import (
    ClockPause,
    Trigger,
)
from escalation.services.common import (
    DECIDED,
    ENDED,
    approver_roles,
    may_approve,
    policy_and_calendar,
    require_handler,
    require_running,
    save_record,
)


def request_pause(
    complaint: Complaint, *, by, reason_code: str, until: dt.datetime, note: str = ""
) -> ClockPause:
    """Stop the SLA clock while waiting on the complainant or a third party.

    A pause up to ``ESCALATION_PAUSE_APPROVAL_AFTER_HOURS`` long starts at once; a longer one
    waits for a manager's approval (the department manager is emailed) unless the requester may
    approve it themselves. Preconditions: ``by`` handles the complaint, which is in a handling
    state, has no other open pause, and ``until`` is in the future.
    History: the pause record, and a "pause" row on the complaint when the clock stops.
    """
    now = timezone.now()
    if until <= now:
        raise TransitionRefused(_("The planned end of a pause must be in the future."))
    with transaction.atomic():
        locked = lock(complaint)
        require_handler(locked, by, _("You may not stop the clock of %(reference)s."))
        require_running(locked)
        if ClockPause.objects.filter(
            complaint=locked, status__in=[ClockPause.Status.REQUESTED, ClockPause.Status.ACTIVE]
        ).exists():
            raise TransitionRefused(
                _("The clock of %(reference)s is already stopped, or a pause awaits approval.")
                % {"reference": locked.reference}
            )
        pause = ClockPause(
            complaint=locked,
            reason_code=reason_code,
            note=note,
            planned_until=until,
            requested_by=by,
            requested_at=now,
        )
        long_pause = until - now > dt.timedelta(
            hours=settings.ESCALATION_PAUSE_APPROVAL_AFTER_HOURS
        )
        if long_pause and not may_approve(locked, by):
            pause.status = ClockPause.Status.REQUESTED
            save_record(pause, by)
            notify.create(
                kind="pause-requested",
                complaint=locked,
                roles=approver_roles(locked, by),
                key=f"pause-requested:{pause.pk}",
                context={
                    "reason": pause.get_reason_code_display(),
                    "note": note,
                    "until": until,
                    "requested_by": display_name(by),
                },
                actor=by,
                dedupe=False,
            )
            return pause
        if long_pause:
            pause.decided_by, pause.decided_at = by, now
        _stop_clock(locked, pause, by=by, now=now)
    return pause


def decide_pause(pause: ClockPause, *, by, approve: bool, note: str = "") -> ClockPause:
    """A manager approves (the clock stops now) or refuses a long pause; the requester is told.

    History: the pause record's decision, and a "pause" row on the complaint on approval.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(pause.complaint)
        pause = lock(pause)
        if pause.status != ClockPause.Status.REQUESTED:
            raise TransitionRefused(_("This pause was already decided."))
        if not may_approve(locked, by) or by.pk == pause.requested_by_id:
            raise ActionForbidden(_("You may not decide on this pause."))
        require_running(locked)
        if approve and pause.planned_until <= now:
            raise TransitionRefused(_("The planned end of this pause has passed; ask again."))
        pause.decided_by, pause.decided_at, pause.decision_note = by, now, note
        if approve:
            _stop_clock(locked, pause, by=by, now=now)
        else:
            pause.status = ClockPause.Status.REFUSED
            save_record(pause, by, DECIDED)
        notify.create(
            kind="pause-decided",
            complaint=locked,
            roles=[notify.user_role(pause.requested_by)],
            key=f"pause-decided:{pause.pk}",
            context={"approved": approve, "note": note, "decided_by": display_name(by)},
            actor=by,
            dedupe=False,
        )
    return pause


def _stop_clock(locked: Complaint, pause: ClockPause, *, by, now: dt.datetime) -> None:
    pause.status = ClockPause.Status.ACTIVE
    pause.started_at = now
    save_record(pause, by, [*DECIDED, "started_at"])
    reason = f"{pause.get_reason_code_display()}: {pause.note}".rstrip(": ")
    core.set_deadlines(
        locked, by=by, action="pause", reason=reason, clock_paused_at=now, next_due_at=None
    )


def resume(
    complaint: Complaint, *, by, cause: str = ClockPause.EndCause.RESUMED, reason: str = ""
) -> ClockPause:
    """Restart a stopped clock. Each deadline that was still running when the clock stopped
    moves back by the pause (by the business time it covered, for working-time limits); a
    promised reply keeps its date. ``by`` is None when the sweep ends a pause at its planned end.

    History: the pause record's end, and a "resume" row on the complaint.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(complaint)
        active = ClockPause.objects.filter(complaint=locked, status=ClockPause.Status.ACTIVE)
        pause = next(iter(lock_all(active)), None)
        if pause is None:
            raise TransitionRefused(
                _("The clock of %(reference)s is not stopped.") % {"reference": locked.reference}
            )
        if by is not None:
            require_handler(locked, by, _("You may not restart the clock of %(reference)s."))
        pause.status = ClockPause.Status.ENDED
        pause.ended_at, pause.ended_by, pause.end_cause = now, by, cause
        save_record(pause, by, ENDED)

        policy, calendar = policy_and_calendar(locked)
        changes = _shifted_deadlines(locked, pause, policy, calendar, now)
        for column, value in changes.items():
            setattr(locked, column, value)
        locked.clock_paused_at = None
        next_due = deadlines.next_due(locked, policy, calendar, now, deadlines.LazyPauses(locked))
        if not reason:
            reason = (
                _("Planned end of the pause reached")
                if cause == ClockPause.EndCause.EXPIRED
                else _("Clock restarted")
            )
        core.set_deadlines(
            locked,
            by=by,
            action="resume",
            reason=reason,
            clock_paused_at=None,
            next_due_at=next_due,
            **changes,
        )
        if cause == ClockPause.EndCause.EXPIRED:
            notify.create(
                kind="pause-expired",
                complaint=locked,
                roles=[notify.ASSIGNEE, notify.user_role(pause.requested_by)],
                key=f"pause-expired:{pause.pk}",
                context={"next_due_at": next_due},
                dedupe=False,
            )
    return pause


def _shifted_deadlines(
    locked: Complaint, pause: ClockPause, policy, calendar, now: dt.datetime
) -> dict[str, dt.datetime]:
    """The deadline columns ``resume`` moves: each one still running when the clock stopped,
    moved back by the pause (the business time it covered, for working-time limits)."""
    changes = {}
    still_running = {
        Trigger.ACCEPTANCE: locked.state == State.RECEIVED,
        Trigger.FIRST_RESPONSE: locked.first_response_at is None,
        Trigger.RESOLUTION: True,
    }
    for trigger, is_running in still_running.items():
        column, target_name = deadlines.COLUMNS[trigger]
        value = getattr(locked, column)
        if not is_running or value is None or value <= pause.started_at:
            continue
        target = policy.targets.get(target_name) if policy else None
        unit = target[1] if target else Unit.MINUTES
        # A clock that started during the pause (accepted while stopped) is moved only by
        # the part of the pause after its start.
        started = deadlines.started_at(locked, policy, target_name)
        paused_from = max(pause.started_at, started) if started else pause.started_at
        shifted = calendar.shift(value, paused_from, now, unit)
        changes[column] = (
            deadlines.platform_capped(locked, target_name, shifted) if target_name else shifted
        )
    return changes
