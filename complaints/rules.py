"""Who may do what to a complaint, and what each lifecycle move needs.

Permissions combine two things: the tier's Django permission (so an operator can see and change
what a tier may do in the admin's groups) and an object rule (this user handles this complaint:
same department, the right tier, not the person complained about).

Conditions carry a ``message`` so a refused transition can say why (a 409 with that text).
This module imports no models: ``complaints.models.complaint`` imports it for the transition
table.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from complaints.models import Complaint

FRONTLINE, MANAGER, GM, AUDITOR = "frontline", "manager", "gm", "auditor"


def staff_profile(user: Any):
    """The user's StaffProfile, or None (anonymous users, plain accounts)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff_profile
    except ObjectDoesNotExist:
        return None


def tier_of(user: Any) -> str | None:
    """The user's tier; a superuser counts as general manager."""
    profile = staff_profile(user)
    if profile is not None:
        return profile.tier
    if user is not None and getattr(user, "is_superuser", False):
        return GM
    return None


def department_id_of(user: Any) -> int | None:
    profile = staff_profile(user)
    return profile.department_id if profile is not None else None


def remedy_limit(user: Any) -> Decimal | None:
    """The remedy this user may grant without approval; None means unlimited."""
    tier = tier_of(user)
    if tier not in settings.REDRESS_REMEDY_LIMITS:
        return Decimal("0")
    return settings.REDRESS_REMEDY_LIMITS[tier]


def within_limit(amount: Decimal, limit: Decimal | None) -> bool:
    return limit is None or amount <= limit


# --- object rules -------------------------------------------------------------------------------


def handles(complaint: Complaint, user: Any) -> bool:
    """Whether ``user`` is among the complaint's handlers right now.

    Mirrors ``selectors.complaints_visible_to``: the general manager handles everything; a
    department manager their department and the unrouted intake queue; frontline staff what is
    assigned to them or unassigned in their department, while it sits at the frontline tier.
    Auditors handle nothing.
    """
    if user is None or not user.is_active:
        return False
    tier = tier_of(user)
    if tier == GM:
        return True
    dept = department_id_of(user)
    unrouted = complaint.department_id is None and complaint.state == "received"
    if tier == MANAGER:
        return unrouted or complaint.department_id == dept
    if tier == FRONTLINE:
        if complaint.tier != FRONTLINE:
            return False
        if complaint.assignee_id is not None:
            return complaint.assignee_id == user.pk
        return unrouted or complaint.department_id == dept
    return False


def is_complained_about(complaint: Complaint, user: Any) -> bool:
    return user is not None and complaint.subject_person_id == user.pk


def _perm(user: Any, codename: str) -> bool:
    return user is not None and user.has_perm(f"complaints.{codename}")


def _not_major_or(user: Any, complaint: Complaint) -> bool:
    return complaint.priority != "major" or _perm(user, "handle_major_complaint")


# --- permissions (instance, user) -> bool, as django-fsm expects --------------------------------


def may_classify(complaint: Complaint, user: Any) -> bool:
    return _perm(user, "classify_complaint") and handles(complaint, user)


def may_reject(complaint: Complaint, user: Any) -> bool:
    # Frontline cannot turn away a major complaint: that is a manager's decision.
    return (
        _perm(user, "reject_complaint")
        and handles(complaint, user)
        and _not_major_or(user, complaint)
    )


def may_assign(complaint: Complaint, user: Any) -> bool:
    return _perm(user, "assign_complaint") and handles(complaint, user)


def may_resolve(complaint: Complaint, user: Any) -> bool:
    # Recusal: the staff member complained about never resolves their own case.
    return (
        _perm(user, "resolve_complaint")
        and handles(complaint, user)
        and not is_complained_about(complaint, user)
    )


def may_follow_up(complaint: Complaint, user: Any) -> bool:
    return (
        _perm(user, "follow_up_complaint")
        and handles(complaint, user)
        and not is_complained_about(complaint, user)
    )


def may_reopen(complaint: Complaint, user: Any) -> bool:
    return _perm(user, "reopen_complaint") and handles(complaint, user)


def may_close(complaint: Complaint, user: Any) -> bool:
    # Only the general manager may close a case whose complainant was dissatisfied without
    # reopening it (DOMAIN.md: final decisions sit with the GM).
    if complaint.follow_up_outcome == "dissatisfied" and not _perm(
        user, "close_dissatisfied_complaint"
    ):
        return False
    return _perm(user, "close_complaint") and handles(complaint, user)


def may_withdraw(complaint: Complaint, user: Any) -> bool:
    return (
        _perm(user, "withdraw_complaint")
        and handles(complaint, user)
        and _not_major_or(user, complaint)
    )


def may_escalate(complaint: Complaint, user: Any) -> bool:
    return _perm(user, "escalate_complaint") and handles(complaint, user)


def may_approve_remedy(complaint: Complaint, user: Any) -> bool:
    # A frontline limit is too small to approve anything beyond itself; managers approve in
    # their department, the GM anywhere. The amount itself is checked by the service.
    return (
        _perm(user, "approve_remedy")
        and tier_of(user) in (MANAGER, GM)
        and handles(complaint, user)
        and not is_complained_about(complaint, user)
    )


def may_decide_refusal_appeal(complaint: Complaint, user: Any) -> bool:
    # 不予受理复查 goes to a manager: a department manager of the appeal's department (or of
    # the unrouted queue) or the general manager. Who refused is checked by the service, which
    # reads it from the original's history.
    return (
        _perm(user, "reject_complaint")
        and tier_of(user) in (MANAGER, GM)
        and handles(complaint, user)
        and not is_complained_about(complaint, user)
    )


def may_accept_on_appeal(complaint: Complaint, user: Any) -> bool:
    # The original is rejected (no longer "received"), so ``handles`` does not apply: its
    # department's manager or the general manager reinstates it.
    tier = tier_of(user)
    if not _perm(user, "classify_complaint") or is_complained_about(complaint, user):
        return False
    if tier == GM:
        return True
    return tier == MANAGER and (
        complaint.department_id is None or complaint.department_id == department_id_of(user)
    )


# --- conditions (instance) -> bool, each with the message shown when it fails ------------------


def condition(message: str) -> Callable[[Callable[[Complaint], bool]], Callable[[Complaint], bool]]:
    def decorate(func: Callable[[Complaint], bool]) -> Callable[[Complaint], bool]:
        func.message = message  # type: ignore[attr-defined]
        return func

    return decorate


@condition(_("A category is required."))
def has_category(complaint: Complaint) -> bool:
    return complaint.category_id is not None


@condition(_("A handling department is required."))
def has_department(complaint: Complaint) -> bool:
    return complaint.department_id is not None


@condition(_("A rejection reason is required."))
def has_reject_reason(complaint: Complaint) -> bool:
    return bool(complaint.reject_reason)


@condition(_("A termination reason is required."))
def has_withdraw_reason(complaint: Complaint) -> bool:
    return bool(complaint.withdraw_reason)


@condition(_("The handler must be active staff of the complaint's department."))
def assignee_in_department(complaint: Complaint) -> bool:
    assignee = complaint.assignee
    if assignee is None or not assignee.is_active:
        return False
    profile = staff_profile(assignee)
    if profile is None or profile.tier == AUDITOR:
        return False
    return profile.tier == GM or profile.department_id == complaint.department_id


@condition(_("The staff member complained about cannot handle this complaint."))
def assignee_not_complained_about(complaint: Complaint) -> bool:
    return complaint.assignee_id is None or complaint.assignee_id != complaint.subject_person_id


@condition(_("A resolution needs a root cause, a resolution summary and a substantiation finding."))
def has_resolution(complaint: Complaint) -> bool:
    return (
        bool(complaint.root_cause.strip())
        and bool(complaint.resolution_summary.strip())
        and complaint.substantiated is not None
    )


@condition(_("A follow-up outcome is required."))
def has_follow_up_outcome(complaint: Complaint) -> bool:
    return bool(complaint.follow_up_outcome)


@condition(_("Only a complaint whose follow-up found the complainant dissatisfied is reopened."))
def follow_up_dissatisfied(complaint: Complaint) -> bool:
    return complaint.follow_up_outcome == "dissatisfied"


@condition(_("The complaint is already with the general manager."))
def below_top_tier(complaint: Complaint) -> bool:
    return complaint.tier != GM


@condition(_("A remedy amount above zero is required for approval."))
def has_remedy_amount(complaint: Complaint) -> bool:
    return complaint.remedy_amount is not None and complaint.remedy_amount > 0


@condition(_("Only an appeal against a refusal is decided this way."))
def is_refusal_appeal(complaint: Complaint) -> bool:
    original = complaint.appeal_of
    if original is None or original.rejected_at is None:
        return False
    # Accepted since the appeal arrived (overturned) still counts; accepted before it means the
    # appeal is against a later decision, not against the refusal.
    return original.classified_at is None or original.classified_at >= complaint.received_at


@condition(_("A decision needs the reasons given to the complainant."))
def has_appeal_decision(complaint: Complaint) -> bool:
    return bool(complaint.resolution_summary.strip()) and complaint.substantiated is not None
