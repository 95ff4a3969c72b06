"""Who may do what to a corrective action, and what each move needs.

Like ``complaints.rules``: a tier's Django permission (so the operator sees and changes it on
the groups in the admin) and an object rule (the department's manager, the general manager,
the owner). Conditions carry a ``message`` shown with the refusal (409).
This module imports no models: ``improvement.models`` imports it for the transition table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from complaints import rules as core

if TYPE_CHECKING:
    from improvement.models import CorrectiveAction


def _active(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.is_active


def manages_department(user: Any, department_id: int | None) -> bool:
    """The general manager manages every department; a department manager their own."""
    if not _active(user):
        return False
    tier = core.tier_of(user)
    if tier == core.GM:
        return True
    return (
        tier == core.MANAGER
        and department_id is not None
        and core.department_id_of(user) == department_id
    )


def may_open(user: Any, department_id: int | None) -> bool:
    return user.has_perm("improvement.add_correctiveaction") and manages_department(
        user, department_id
    )


def may_edit(action: CorrectiveAction, user: Any) -> bool:
    return user.has_perm("improvement.change_correctiveaction") and manages_department(
        user, action.department_id
    )


def may_start(action: CorrectiveAction, user: Any) -> bool:
    return (
        _active(user)
        and user.has_perm("improvement.start_correctiveaction")
        and action.owner_id == user.pk
    )


def may_complete(action: CorrectiveAction, user: Any) -> bool:
    return (
        _active(user)
        and user.has_perm("improvement.complete_correctiveaction")
        and action.owner_id == user.pk
    )


def may_verify(action: CorrectiveAction, user: Any) -> bool:
    # Whether a verifier who is the owner is refused is a condition with its own message
    # (has_verifier_other_than_owner), so the page can say why.
    return user.has_perm("improvement.verify_correctiveaction") and manages_department(
        user, action.department_id
    )


def may_cancel(action: CorrectiveAction, user: Any) -> bool:
    return user.has_perm("improvement.cancel_correctiveaction") and manages_department(
        user, action.department_id
    )


def has_evidence(action: CorrectiveAction) -> bool:
    return bool((action.evidence or "").strip())


has_evidence.message = _("Describe the evidence that the action was carried out.")


def has_verifier_other_than_owner(action: CorrectiveAction) -> bool:
    return action.verified_by_id is not None and action.verified_by_id != action.owner_id


has_verifier_other_than_owner.message = _(
    "The owner of an action cannot verify it: another manager must."
)


def has_cancel_reason(action: CorrectiveAction) -> bool:
    return bool((action.cancel_reason or "").strip())


has_cancel_reason.message = _("Give the reason for cancelling the action.")
