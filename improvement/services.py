"""Every write to a corrective action, one function per action.

Views, admin actions, API endpoints, the sweep and ``seed_demo`` call these and nothing else.
Each service:

1. opens a transaction and re-reads the row under a lock (``complaints.locking.lock``: a
   fresh copy, as ``refresh_from_db()`` is refused on protected FSM fields; two writers queue
   instead of interleaving);
2. refuses a stale copy: ``expected_version`` must match the row, else ``StaleAction`` (409);
3. refuses a move the state machine does not allow from the current state (409), a user whose
   tier or relation to the action does not permit it (403), a missing condition (409, with the
   condition's own message);
4. applies the fields, calls the ``@transition`` method, bumps the version and saves the
   columns it changed (``update_fields``) with the acting user, the reason and the action's
   name on the history row.

Anything raised rolls the whole transaction back: nothing half-written is saved.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.locking import lock
from complaints.models import Complaint, Department, RootCause
from complaints.selectors import complaints_visible_to, may_write
from complaints.services import ActionForbidden, ServiceError, StaleComplaint, TransitionRefused
from improvement import rules
from improvement.models import MOVES, ActionComplaint, CorrectiveAction, EscalationLevel

__all__ = [
    "ActionForbidden",
    "ServiceError",
    "StaleAction",
    "TransitionRefused",
    "cancel",
    "complete",
    "edit",
    "link_complaints",
    "open_action",
    "start",
    "unlink_complaint",
    "verify",
]


class StaleAction(StaleComplaint):
    """The action changed since the caller read it (409)."""


def _check_version(locked: CorrectiveAction, expected: int | None) -> None:
    if expected is not None and locked.version != expected:
        raise StaleAction(
            _(
                "Action %(pk)s was changed by someone else since you opened it "
                "(your copy is version %(yours)s, it is now version %(now)s). "
                "Reload it and try again."
            )
            % {"pk": locked.pk, "yours": expected, "now": locked.version}
        )


def _save(action: CorrectiveAction, *, by, name: str, reason: str, fields: Iterable[str]) -> None:
    """Save ``fields`` (and the bumped version) with the history row's user, reason and move.
    Only those columns: the row is locked, but a column this write did not change is not its
    to write back."""
    action.version += 1
    action._history_user = by
    action._change_reason = reason or ""
    action._history_transition = name
    action.save(update_fields=["version", *dict.fromkeys(fields)])


def _call_transition(action: CorrectiveAction, method) -> list[str]:
    """Call the ``@transition`` method; the fields it set (the state and its milestones, which
    the lifecycle table in ``models`` declares, not this module)."""
    fields = action._meta.concrete_fields
    before = [f.value_from_object(action) for f in fields]
    method()
    return [
        f.name for f, old in zip(fields, before, strict=True) if f.value_from_object(action) != old
    ]


def _visible_complaints(by, complaints: Iterable[Complaint]) -> list[Complaint]:
    """The given complaints, refusing the whole call if ``by`` cannot see one of them."""
    ids = {c.pk for c in complaints}
    visible = list(complaints_visible_to(by).filter(pk__in=ids).only("pk", "reference", "state"))
    if len(visible) != len(ids):
        raise ActionForbidden(_("You can only link complaints you can see."))
    return visible


def _add_links(action: CorrectiveAction, complaints: list[Complaint], *, by) -> int:
    have = set(
        ActionComplaint.objects.filter(action=action, complaint__in=complaints).values_list(
            "complaint_id", flat=True
        )
    )
    added = 0
    for complaint in complaints:  # one action links a handful of complaints, not thousands
        if complaint.pk in have:
            continue
        link = ActionComplaint(action=action, complaint=complaint, linked_by=by)
        link._history_user = by
        link._change_reason = str(_("Linked to action %(pk)s") % {"pk": action.pk})
        link._history_transition = "link"
        link.save()
        added += 1
    return added


def open_action(
    *,
    by,
    title: str,
    cause: RootCause,
    owner,
    department: Department,
    due_on: dt.date,
    description: str = "",
    complaints: Iterable[Complaint] = (),
    reason: str = "",
) -> CorrectiveAction:
    """Open a planned action for ``cause`` in ``department``, linked to ``complaints``.

    Preconditions: ``by`` manages the department (its manager, or the general manager) and can
    see every complaint given. Writes the action's creation history row and one history row per
    link, all with ``by`` as the user.
    """
    if not rules.may_open(by, department.pk):
        raise ActionForbidden(_("You may only open actions for a department you manage."))
    with transaction.atomic():
        visible = _visible_complaints(by, complaints)
        action = CorrectiveAction(
            title=title,
            description=description,
            cause=cause,
            owner=owner,
            department=department,
            due_on=due_on,
            opened_by=by,
        )
        action._history_user = by
        action._change_reason = reason or str(_("Opened"))
        action._history_transition = "open"
        action.save()
        _add_links(action, visible, by=by)
    return action


def _transition(
    action: CorrectiveAction,
    name: str,
    *,
    by,
    reason: str,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
) -> CorrectiveAction:
    with transaction.atomic():
        locked = lock(action)
        _check_version(locked, expected_version)
        method = getattr(locked, name)
        fsm_transition = method._django_fsm.get_transition(locked.state)
        if fsm_transition is None:
            raise TransitionRefused(
                _("An action that is %(state)s cannot be %(action)s.")
                % {"state": locked.get_state_display().lower(), "action": MOVES[name].done}
            )
        if by is None or not fsm_transition.has_perm(locked, by):
            raise ActionForbidden(
                _("You may not mark action %(pk)s as %(action)s.")
                % {"pk": locked.pk, "action": MOVES[name].done}
            )
        for field, value in (changes or {}).items():
            setattr(locked, field, value)
        for condition in fsm_transition.conditions:
            if not condition(locked):
                raise TransitionRefused(condition.message)
        moved = _call_transition(locked, method)
        _save(locked, by=by, name=name, reason=reason, fields=[*(changes or {}), *moved])
    return locked


def start(
    action: CorrectiveAction, *, by, reason: str = "", expected_version: int | None = None
) -> CorrectiveAction:
    """The owner starts a planned action. History: "start", by the owner."""
    return _transition(action, "start", by=by, reason=reason, expected_version=expected_version)


def complete(
    action: CorrectiveAction,
    *,
    by,
    evidence: str,
    evidence_file=None,
    reason: str = "",
    expected_version: int | None = None,
) -> CorrectiveAction:
    """The owner marks the action done with evidence of completion (text, optional file)."""
    changes: dict[str, Any] = {"evidence": (evidence or "").strip()}
    if evidence_file:
        changes["evidence_file"] = evidence_file
    return _transition(
        action,
        "complete",
        by=by,
        reason=reason or changes["evidence"],
        expected_version=expected_version,
        changes=changes,
    )


def verify(
    action: CorrectiveAction,
    *,
    by,
    note: str = "",
    expected_version: int | None = None,
) -> CorrectiveAction:
    """A manager of the department (or the GM) who is not the owner confirms the action worked.

    Refused with a clear message (409) when ``by`` is the owner."""
    return _transition(
        action,
        "verify",
        by=by,
        reason=note,
        expected_version=expected_version,
        changes={"verified_by": by, "verification_note": note},
    )


def cancel(
    action: CorrectiveAction, *, by, reason: str, expected_version: int | None = None
) -> CorrectiveAction:
    """A manager of the department (or the GM) cancels an action not yet verified; the reason
    is required and kept on the action and its history row."""
    return _transition(
        action,
        "cancel",
        by=by,
        reason=reason,
        expected_version=expected_version,
        changes={"cancel_reason": (reason or "").strip()},
    )


EDITABLE_FIELDS = ("title", "description", "due_on", "owner")


def edit(
    action: CorrectiveAction,
    *,
    by,
    reason: str = "",
    expected_version: int | None = None,
    **changes: Any,
) -> CorrectiveAction:
    """Change the title, description, due date or owner of an open action (managers, GM).

    A new due date in the future clears the escalation, so a late action that was given more
    time escalates again if it misses the new date."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        locked = lock(action)
        _check_version(locked, expected_version)
        if not rules.may_edit(locked, by):
            raise ActionForbidden(_("You may not edit action %(pk)s.") % {"pk": locked.pk})
        if not locked.is_open:
            raise TransitionRefused(_("A closed action cannot be edited."))
        old_due = locked.due_on
        for field, value in changes.items():
            setattr(locked, field, value)
        fields = list(changes)
        if locked.due_on != old_due:
            locked.escalation_level = 0
            locked.escalated_at = None
            fields += ["escalation_level", "escalated_at"]
        _save(locked, by=by, name="edit", reason=reason, fields=fields)
    return locked


def link_complaints(
    action: CorrectiveAction,
    *,
    by,
    complaints: Iterable[Complaint],
    expected_version: int | None = None,
) -> int:
    """Link more complaints (only ones ``by`` can see) to an open action; returns how many were
    new. Each new link writes a history row on the link table."""
    with transaction.atomic():
        locked = lock(action)
        _check_version(locked, expected_version)
        if not rules.may_edit(locked, by):
            raise ActionForbidden(_("You may not edit action %(pk)s.") % {"pk": locked.pk})
        return _add_links(locked, _visible_complaints(by, complaints), by=by)


def unlink_complaint(action: CorrectiveAction, *, by, complaint: Complaint) -> bool:
    """Remove one complaint from an action; the link table's history keeps the removal."""
    with transaction.atomic():
        locked = lock(action)
        if not rules.may_edit(locked, by) or not may_write(by):
            raise ActionForbidden(_("You may not edit action %(pk)s.") % {"pk": locked.pk})
        _visible_complaints(by, [complaint])
        link = ActionComplaint.objects.filter(action=locked, complaint=complaint).first()
        if link is None:
            return False
        link._history_user = by
        link._change_reason = str(_("Unlinked from action %(pk)s") % {"pk": locked.pk})
        link._history_transition = "unlink"
        link.delete()
        return True


# The service of each lifecycle move (the ``@transition`` methods; their words are
# ``models.MOVES``): the page, the admin and the API post to these by name.
TRANSITIONS = {"start": start, "complete": complete, "verify": verify, "cancel": cancel}


def available_transitions(action: CorrectiveAction, user) -> list[str]:
    """The moves ``user`` may try on ``action`` now (buttons on the page)."""
    names = []
    for name in TRANSITIONS:
        t = getattr(action, name)._django_fsm.get_transition(action.state)
        if t is not None and t.has_perm(action, user):
            names.append(name)
    return names


def escalate_overdue(action: CorrectiveAction, *, level: int, today: dt.date) -> bool:
    """The sweep (no user) raises an overdue action to ``level`` (1: department manager, 2:
    general manager) and writes a notice through the staff outbox (``escalation.notify``).

    Idempotent: under the row lock, an action already at ``level`` or above, no longer being
    worked on, or not overdue is skipped (returns False); the notice's key names the action,
    level and due date, so it is written once. History: "escalate", no user, the reason.
    """
    from escalation import notify

    with transaction.atomic():
        locked = lock(action)
        if locked.escalation_level >= level or not locked.is_overdue(today):
            return False
        locked.escalation_level = level
        locked.escalated_at = timezone.now()
        reason = str(
            _("Overdue since %(due)s: escalated to the %(who)s.")
            % {"due": locked.due_on.isoformat(), "who": EscalationLevel(level).label.lower()}
        )
        _save(
            locked,
            by=None,
            name="escalate",
            reason=reason,
            fields=["escalation_level", "escalated_at"],
        )
        roles = [notify.user_role(locked.owner)]
        manager_id = locked.department.manager_id
        if level >= EscalationLevel.GM or manager_id is None:
            roles.append(notify.GM)
        if manager_id is not None:
            roles.append(f"user:{manager_id}")
        notify.create(
            kind="action-overdue",
            complaint=None,
            roles=roles,
            key=f"capa-overdue-{locked.pk}-{level}-{locked.due_on.isoformat()}",
            context={
                "action_id": locked.pk,
                "title": locked.title,
                "due_on": locked.due_on.isoformat(),
                "level": level,
                "department": locked.department.name,
                "action_link": settings.ESCALATION_SITE_URL.rstrip("/")
                + reverse("improvement:action_detail", args=[locked.pk]),
            },
        )
    return True
