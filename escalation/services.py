"""Write actions of the escalation app: escalating by hand, stopping and restarting the SLA clock,
extending the resolution deadline, asking for (and refusing) a remedy approval.

Each one locks the complaint row, checks who is acting and the state, writes its own record and
changes deadline columns only through ``complaints.services`` (``escalate`` for the tier,
``set_deadlines`` for due times), so every change has a history row naming the user and reason.
Anything raised rolls the whole action back.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import rules, selectors
from complaints import services as core
from complaints.locking import lock, lock_all
from complaints.models import HANDLING_STATES, OPEN_STATES, Complaint, State, Tier
from complaints.people import display_name
from complaints.services import ActionForbidden, TransitionRefused
from escalation import deadlines, notify, years
from escalation.calendar import Unit
from escalation.models import (
    ClockPause,
    EscalationCause,
    ExtensionRequest,
    ManualReason,
    RemedyApproval,
    Trigger,
)
from escalation.records import EscalationContext
from escalation.rulebook import rulebook


class NoLongerDue(TransitionRefused):
    """The sweep saw a deadline missed, but under the row lock it no longer is (paused,
    answered, extended, or escalated by someone else meanwhile)."""


# --- who may do what ---------------------------------------------------------------------------


def may_handle(complaint: Complaint, user) -> bool:
    """Handlers of the complaint (not auditors) may escalate, pause, and ask for more time."""
    return selectors.may_write(user) and rules.handles(complaint, user)


def may_approve(complaint: Complaint, user) -> bool:
    """Department managers (their department) and the general manager approve pauses beyond
    the limit and extensions; never the person complained about."""
    return (
        rules.tier_of(user) in (rules.MANAGER, rules.GM)
        and rules.handles(complaint, user)
        and not rules.is_complained_about(complaint, user)
    )


def approver_roles(complaint: Complaint, requester) -> list[str]:
    """Who is asked: the department's manager, or the general manager when the requester is
    that manager (nobody approves their own request) or there is no department."""
    if (
        complaint.department_id
        and rules.tier_of(requester) == rules.FRONTLINE
        and complaint.tier == Tier.FRONTLINE
    ):
        return [notify.DEPT_MANAGER]
    return [notify.GM]


def _policy(complaint: Complaint):
    book = rulebook()
    policy = book.for_complaint(complaint)
    return policy, book.calendar_of(policy)


def policy_of(complaint: Complaint):
    """The SLA policy that applies to ``complaint`` now (None: no policy matches)."""
    return rulebook().for_complaint(complaint)


def _require_handler(complaint: Complaint, user, message: str) -> None:
    if not may_handle(complaint, user):
        raise ActionForbidden(message % {"reference": complaint.reference})


def _require_running(complaint: Complaint) -> None:
    if complaint.state not in HANDLING_STATES:
        raise TransitionRefused(
            _("%(reference)s is %(state)s: its clock no longer runs.")
            % {"reference": complaint.reference, "state": complaint.get_state_display().lower()}
        )


# The columns a decision on a request (pause, extension, remedy approval) changes.
DECIDED = ["status", "decided_by", "decided_at", "decision_note"]
ENDED = ["status", "ended_at", "ended_by", "end_cause"]


def _save(record, by, fields: list[str] | None = None) -> None:
    """Save ``record`` with ``by`` on its history row: a new row whole, an existing one only
    the ``fields`` the service changed (a concurrent writer's other columns stay theirs)."""
    record._history_user = by
    record.save(update_fields=None if record._state.adding else fields)


# --- manual escalation -------------------------------------------------------------------------


def escalate_by_hand(
    complaint: Complaint,
    *,
    by,
    reason_code: str,
    explanation: str = "",
    tell_complainant: bool = False,
    expected_version: int | None = None,
) -> Complaint:
    """A handler moves the complaint up a tier (超出处理权限: report upward at once).

    Preconditions as ``complaints.services.escalate`` (handler, below the top tier, handling
    state). Side effects: an ``Escalation`` record with the reason code; the new owner and the
    department manager are emailed; with ``tell_complainant`` the complainant is told that a
    manager now handles the complaint. History: one "escalate" row with the reason.
    """
    label = ManualReason(reason_code).label
    reason = f"{label}: {explanation}" if explanation else str(label)
    context = EscalationContext(
        cause=EscalationCause.MANUAL, reason_code=reason_code, tell_complainant=tell_complainant
    )
    return core.escalate(
        complaint, by=by, reason=reason, expected_version=expected_version, context=context
    )


# --- the clock: pause and resume ---------------------------------------------------------------


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
        _require_handler(locked, by, _("You may not stop the clock of %(reference)s."))
        _require_running(locked)
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
            _save(pause, by)
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
        _require_running(locked)
        if approve and pause.planned_until <= now:
            raise TransitionRefused(_("The planned end of this pause has passed; ask again."))
        pause.decided_by, pause.decided_at, pause.decision_note = by, now, note
        if approve:
            _stop_clock(locked, pause, by=by, now=now)
        else:
            pause.status = ClockPause.Status.REFUSED
            _save(pause, by, DECIDED)
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
    _save(pause, by, [*DECIDED, "started_at"])
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
            _require_handler(locked, by, _("You may not restart the clock of %(reference)s."))
        pause.status = ClockPause.Status.ENDED
        pause.ended_at, pause.ended_by, pause.end_cause = now, by, cause
        _save(pause, by, ENDED)

        policy, calendar = _policy(locked)
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


# --- extensions of the resolution deadline ----------------------------------------------------


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
        _require_handler(locked, by, _("You may not ask for more time on %(reference)s."))
        _require_running(locked)
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
        _save(extension, by)
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
        _require_running(locked)
        if approve:
            _check_extension_allowed(locked, extension.proposed_due_at, now)
            _grant(locked, extension, by=by, now=now, note=note)
        else:
            extension.status = ExtensionRequest.Status.REFUSED
            extension.decided_by, extension.decided_at, extension.decision_note = by, now, note
            _save(extension, by, DECIDED)
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
    policy, _calendar = _policy(locked)
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
    _save(extension, by, DECIDED)
    locked.resolution_due_at = extension.proposed_due_at
    locked.extension_count += 1
    policy, calendar = _policy(locked)
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


# --- recomputation when the rules change --------------------------------------------------

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
        finished: dict[int, deadlines.Pauses] = {}
        for complaint_id, started, ended in (
            ClockPause.objects.filter(complaint_id__in=part, status=ClockPause.Status.ENDED)
            .order_by("started_at")
            .values_list("complaint_id", "started_at", "ended_at")
        ):
            finished.setdefault(complaint_id, []).append((started, ended))

        def compute(locked: Complaint, finished=finished) -> dict | None:
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

        written += len(
            core.set_deadlines_many(part, by=by, action=action, reason=reason, compute=compute)
        )
    return written


# --- authority limits -------------------------------------------------------------------------


def remedy_approver_tier(complaint: Complaint, requester, amount: Decimal) -> str:
    """Whose limit covers ``amount`` (``complaints.rules.remedy_limit``): the department
    manager for a frontline handler's request within the manager's limit, else the general
    manager (a manager's own request, an amount beyond the manager's limit, or a complaint
    about a manager of the department, who never decides on it)."""
    manager_limit = settings.REDRESS_REMEDY_LIMITS.get(rules.MANAGER)
    if (
        complaint.department_id
        and rules.tier_of(requester) == rules.FRONTLINE
        and rules.within_limit(amount, manager_limit)
        and not _about_a_manager_of_the_department(complaint)
    ):
        return Tier.MANAGER
    return Tier.GM


def _about_a_manager_of_the_department(complaint: Complaint) -> bool:
    subject = complaint.subject_person
    return (
        subject is not None
        and rules.tier_of(subject) == rules.MANAGER
        and rules.department_id_of(subject) == complaint.department_id
    )


def request_remedy_approval(
    complaint: Complaint, *, by, amount: Decimal, justification: str
) -> RemedyApproval:
    """A handler whose tier may not grant ``amount`` asks the tier that may
    (``remedy_approver_tier``); the request waits in that tier's approvals queue until the
    core's ``approve_remedy`` step (``escalation.signals`` marks it approved), a refusal
    (``refuse_remedy_approval``), a newer request, or the complaint moving on.

    Preconditions: ``by`` handles the complaint, which is assigned; the amount is beyond
    ``by``'s limit and beyond any amount already approved. Side effects: a pending
    ``RemedyApproval`` (an earlier pending one is superseded), a note on the complaint, a notice
    to the approvers. History: the request record (and the superseded one) and the note.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(complaint)
        _require_handler(locked, by, _("You may not ask for a remedy approval on %(reference)s."))
        if locked.state != State.ASSIGNED:
            raise TransitionRefused(_("A remedy is approved while the complaint is assigned."))
        if rules.within_limit(amount, rules.remedy_limit(by)):
            raise TransitionRefused(
                _("A remedy of %(amount)s is within your own limit: no approval is needed.")
                % {"amount": amount}
            )
        if locked.remedy_approved_amount is not None and amount <= locked.remedy_approved_amount:
            raise TransitionRefused(
                _("A remedy of %(amount)s is already approved.")
                % {"amount": locked.remedy_approved_amount}
            )
        approver_tier = remedy_approver_tier(locked, by, amount)
        # One request waits per complaint (remedy_one_pending_per_complaint): the newest
        # amount is the one to decide, the row lock above keeps two requests from racing.
        for previous in RemedyApproval.objects.filter(
            complaint=locked, status=RemedyApproval.Status.PENDING
        ):
            previous.status = RemedyApproval.Status.SUPERSEDED
            previous.decided_at = now
            previous.decision_note = _("Replaced by a request for %(amount)s.") % {"amount": amount}
            _save(previous, by, DECIDED)
        request = RemedyApproval(
            complaint=locked,
            amount=amount,
            reason=justification,
            approver_tier=approver_tier,
            requested_by=by,
            requested_at=now,
        )
        _save(request, by)
        core.add_note(
            locked,
            by=by,
            body=_("Remedy approval of %(amount)s requested: %(why)s")
            % {"amount": amount, "why": justification},
        )
        notify.create(
            kind="remedy-approval",
            complaint=locked,
            roles=[notify.DEPT_MANAGER if approver_tier == Tier.MANAGER else notify.GM],
            key=f"remedy-approval:{request.pk}",
            context={
                "amount": str(amount),
                "justification": justification,
                "approver_tier": str(approver_tier),
                "requested_by": display_name(by),
            },
            actor=by,
            dedupe=False,
        )
    return request


def may_decide_remedy(request: RemedyApproval, user) -> bool:
    """The tier the request waits for, handling the complaint, neither the requester nor the
    person complained about (the same rule as the approvals queue)."""
    return (
        rules.tier_of(user) == request.approver_tier
        and may_approve(request.complaint, user)
        and user.pk != request.requested_by_id
    )


def refuse_remedy_approval(request: RemedyApproval, *, by, note: str) -> RemedyApproval:
    """The approver says no: the request leaves the queue, the complaint gets a note with the
    reason and the requester is told (they may resolve within their own limit, or ask again).

    Preconditions: the request is pending and ``may_decide_remedy``; a reason is given.
    History: the request's decision and the note on the complaint.
    """
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request.complaint)
        request = lock(request)
        request.complaint = locked
        if request.status != RemedyApproval.Status.PENDING:
            raise TransitionRefused(_("This remedy request was already decided."))
        if not may_decide_remedy(request, by):
            raise ActionForbidden(_("You may not decide on this remedy request."))
        request.status = RemedyApproval.Status.REFUSED
        request.decided_by, request.decided_at, request.decision_note = by, now, note
        _save(request, by, DECIDED)
        core.add_note(
            locked,
            by=by,
            body=_("Remedy of %(amount)s not approved: %(why)s")
            % {"amount": request.amount, "why": note},
        )
        notify.create(
            kind="remedy-refused",
            complaint=locked,
            roles=[notify.user_role(request.requested_by)],
            key=f"remedy-refused:{request.pk}",
            context={
                "amount": str(request.amount),
                "note": note,
                "decided_by": display_name(by),
            },
            actor=by,
            dedupe=False,
        )
    return request


def settle_remedy_approval(complaint: Complaint, *, by, reason: str = "") -> None:
    """The core's ``approve_remedy`` happened (called from ``escalation.signals`` in its
    transaction): the pending request, if any, is approved by whoever approved the remedy."""
    for request in RemedyApproval.objects.filter(
        complaint=complaint, status=RemedyApproval.Status.PENDING
    ):
        request.status = RemedyApproval.Status.APPROVED
        request.decided_by, request.decided_at = by, timezone.now()
        request.decision_note = _("Approved %(amount)s. %(reason)s") % {
            "amount": complaint.remedy_approved_amount,
            "reason": reason,
        }
        request.decision_note = request.decision_note.strip()
        _save(request, by, DECIDED)


def lapse_remedy_approvals(complaints: list[Complaint], *, by) -> None:
    """A pending request no longer waits once its complaint is not assigned (resolved,
    withdrawn...) or its requester no longer handles it (escalated to the next tier, reassigned
    to someone else or another department): it is closed as superseded, with history, so the
    queue never offers a decision nobody needs. One query when nothing is pending."""
    by_pk = {complaint.pk: complaint for complaint in complaints}
    pending = RemedyApproval.objects.filter(
        complaint_id__in=list(by_pk), status=RemedyApproval.Status.PENDING
    ).select_related("requested_by")
    now = timezone.now()
    for request in pending:
        complaint = by_pk[request.complaint_id]
        if complaint.state == State.ASSIGNED and rules.handles(complaint, request.requested_by):
            continue
        request.status = RemedyApproval.Status.SUPERSEDED
        request.decided_at = now
        request.decision_note = _("Lapsed: the complaint moved on before a decision.")
        _save(request, by, DECIDED)


# --- consequences of lifecycle moves (called from escalation.signals) --------------------------


def close_open_requests(complaint: Complaint, *, by) -> None:
    """The complaint left the handling states (resolved, rejected, withdrawn): a stopped clock
    ends and pending pause and extension requests lapse, each recorded."""
    now = timezone.now()
    for pause in lock_all(
        ClockPause.objects.filter(
            complaint=complaint,
            status__in=[ClockPause.Status.REQUESTED, ClockPause.Status.ACTIVE],
        )
    ):
        if pause.status == ClockPause.Status.ACTIVE:
            pause.status = ClockPause.Status.ENDED
            pause.ended_at, pause.ended_by = now, by
            pause.end_cause = ClockPause.EndCause.STATE_CHANGE
        else:
            pause.status = ClockPause.Status.REFUSED
            pause.decided_at = now
            pause.decision_note = _("Lapsed: the complaint is no longer being handled.")
        _save(pause, by, [*ENDED, "decided_at", "decision_note"])
    for extension in lock_all(
        ExtensionRequest.objects.filter(
            complaint=complaint, status=ExtensionRequest.Status.REQUESTED
        )
    ):
        extension.status = ExtensionRequest.Status.REFUSED
        extension.decided_at = now
        extension.decision_note = _("Lapsed: the complaint is no longer being handled.")
        _save(extension, by, DECIDED)
