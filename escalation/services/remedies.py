"""Authority limits: asking the tier that may grant a remedy, and its decision."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import rules
from complaints import services as core
from complaints.locking import lock
from complaints.models import Complaint, State, Tier
from complaints.people import display_name
from complaints.services import ActionForbidden, TransitionRefused
from escalation import notify
from escalation.models import RemedyApproval
from escalation.services.common import (
    DECIDED,
    may_approve,
    require_handler,
    save_record,
)


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
        _check_remedy_request(locked, by, amount)
        approver_tier = remedy_approver_tier(locked, by, amount)
        # One request waits per complaint (remedy_one_pending_per_complaint): the newest
        # amount is the one to decide, the row lock above keeps two requests from racing.
        for previous in RemedyApproval.objects.filter(
            complaint=locked, status=RemedyApproval.Status.PENDING
        ):
            previous.status = RemedyApproval.Status.SUPERSEDED
            previous.decided_at = now
            previous.decision_note = _("Replaced by a request for %(amount)s.") % {"amount": amount}
            save_record(previous, by, DECIDED)
        request = RemedyApproval(
            complaint=locked,
            amount=amount,
            reason=justification,
            approver_tier=approver_tier,
            requested_by=by,
            requested_at=now,
        )
        save_record(request, by)
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


def _check_remedy_request(locked: Complaint, by, amount: Decimal) -> None:
    """``request_remedy_approval``'s preconditions, on the locked complaint."""
    require_handler(locked, by, _("You may not ask for a remedy approval on %(reference)s."))
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
        save_record(request, by, DECIDED)
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
        save_record(request, by, DECIDED)


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
        save_record(request, by, DECIDED)
