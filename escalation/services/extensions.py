"""Extensions of the resolution deadline: asked for, granted or refused by a manager."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import services as core
from complaints.locking import lock
from complaints.models import Complaint
from complaints.people import display_name
from complaints.services import ActionForbidden, TransitionRefused
from escalation import deadlines, notify
from escalation.models import ExtensionRequest
from escalation.services.common import (
    DECIDED,
    approver_roles,
    may_approve,
    policy_and_calendar,
    require_handler,
    require_running,
    save_record,
)


def request_extension(
    complaint: Complaint, *, by, proposed_due_at: dt.datetime, reason: str
) -> ExtensionRequest:
    """Ask for a later resolution deadline (e.g. 15 → 30 days for a complex banking complaint).

    A department manager or the general manager handling the complaint grants it at once;
    anyone else's request waits for them (they are emailed). Preconditions: handling state, no
    other pending request, fewer approved extensions than the policy allows, a date later than
    both now and the current deadline. History: the request record (and see ``decide``).
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(complaint)
        require_handler(locked, by, _("You may not ask for more time on %(reference)s."))
        require_running(locked)
        if ExtensionRequest.objects.filter(
            complaint=locked, status=ExtensionRequest.Status.REQUESTED
        ).exists():
            raise TransitionRefused(
                _("An extension of %(reference)s already awaits a decision.")
                % {"reference": locked.reference}
            )
        _check_extension_allowed(locked, proposed_due_at, now)
        extension = ExtensionRequest(
            complaint=locked,
            status=ExtensionRequest.Status.REQUESTED,
            reason=reason,
            current_due_at=locked.resolution_due_at,
            proposed_due_at=proposed_due_at,
            requested_by=by,
            requested_at=now,
        )
        if may_approve(locked, by):
            _grant(locked, extension, by=by, now=now, note="")
            return extension
        save_record(extension, by)
        notify.create(
            kind="extension-requested",
            complaint=locked,
            roles=approver_roles(locked, by),
            key=f"extension-requested:{extension.pk}",
            context={
                "reason": reason,
                "current_due_at": locked.resolution_due_at,
                "proposed_due_at": proposed_due_at,
                "requested_by": display_name(by),
            },
            actor=by,
            dedupe=False,
        )
    return extension


def decide_extension(
    extension: ExtensionRequest, *, by, approve: bool, note: str = ""
) -> ExtensionRequest:
    """A manager approves (the deadline moves, the complainant is told the new date through the
    correspondence outbox, the extension is counted) or refuses; the requester is told either way.

    History: the request's decision, and an "extend" row on the complaint on approval.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(extension.complaint)
        extension = lock(extension)
        if extension.status != ExtensionRequest.Status.REQUESTED:
            raise TransitionRefused(_("This extension was already decided."))
        if not may_approve(locked, by) or by.pk == extension.requested_by_id:
            raise ActionForbidden(_("You may not decide on this extension."))
        require_running(locked)
        if approve:
            _check_extension_allowed(locked, extension.proposed_due_at, now)
            _grant(locked, extension, by=by, now=now, note=note)
        else:
            extension.status = ExtensionRequest.Status.REFUSED
            extension.decided_by, extension.decided_at, extension.decision_note = by, now, note
            save_record(extension, by, DECIDED)
        notify.create(
            kind="extension-decided",
            complaint=locked,
            roles=[notify.user_role(extension.requested_by)],
            key=f"extension-decided:{extension.pk}",
            context={
                "approved": approve,
                "note": note,
                "proposed_due_at": extension.proposed_due_at,
                "decided_by": display_name(by),
            },
            actor=by,
            dedupe=False,
        )
    return extension


def _check_extension_allowed(locked: Complaint, proposed: dt.datetime, now: dt.datetime) -> None:
    policy, _calendar = policy_and_calendar(locked)
    allowed = policy.max_extensions if policy else settings.ESCALATION_DEFAULT_MAX_EXTENSIONS
    if locked.extension_count >= allowed:
        raise TransitionRefused(
            _(
                "%(reference)s has already been given %(count)s extension(s), "
                "as many as its policy allows."
            )
            % {"reference": locked.reference, "count": locked.extension_count}
        )
    floor = max(now, locked.resolution_due_at or now)
    if proposed <= floor:
        raise TransitionRefused(
            _("The new deadline must be later than now and than the current deadline.")
        )


def _grant(
    locked: Complaint, extension: ExtensionRequest, *, by, now: dt.datetime, note: str
) -> None:
    extension.status = ExtensionRequest.Status.APPROVED
    extension.decided_by, extension.decided_at, extension.decision_note = by, now, note
    save_record(extension, by, DECIDED)
    locked.resolution_due_at = extension.proposed_due_at
    locked.extension_count += 1
    policy, calendar = policy_and_calendar(locked)
    next_due = deadlines.next_due(locked, policy, calendar, now, deadlines.LazyPauses(locked))
    core.set_deadlines(
        locked,
        by=by,
        action="extend",
        reason=extension.reason,
        resolution_due_at=extension.proposed_due_at,
        extension_count=locked.extension_count,
        next_due_at=next_due,
    )
