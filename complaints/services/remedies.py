"""Remedies above a handler's authority (超出处理权限): the check ``resolve`` makes under the
row lock, and the approval by a higher tier that lifts it (``approve_remedy``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.models import Complaint
from complaints.services.errors import ActionForbidden, ApprovalRequired
from complaints.services.pipeline import _perform


def _remedy_within_authority(by) -> Callable[[Complaint], None]:
    """A check that the locked complaint's remedy is within ``by``'s tier limit, or approved up
    to at least that amount (``approve_remedy``); otherwise ``ApprovalRequired``."""

    def within_authority(locked: Complaint) -> None:
        amount = locked.remedy_amount or Decimal("0")
        if rules.within_limit(amount, rules.remedy_limit(by)):
            return
        if locked.remedy_approved_amount is not None and amount <= locked.remedy_approved_amount:
            return
        raise ApprovalRequired(
            _(
                "A remedy of %(amount)s exceeds what your tier may grant (%(limit)s). "
                "Ask a manager to approve it first."
            )
            % {"amount": amount, "limit": rules.remedy_limit(by)}
        )

    return within_authority


def approve_remedy(
    complaint: Complaint,
    *,
    by,
    amount: Decimal,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Approve a remedy above the handler's limit (超出处理权限 → approval by a higher tier).

    Preconditions: state assigned; ``by`` is a manager of the department or the GM whose own
    limit covers ``amount``. Side effects: the proposed remedy amount and the approved amount
    become ``amount``. History: one "approve_remedy" row.
    """

    def approver_limit_covers(locked: Complaint) -> None:
        if not rules.within_limit(amount, rules.remedy_limit(by)):
            raise ActionForbidden(
                _("A remedy of %(amount)s exceeds your own approval limit.") % {"amount": amount}
            )

    return _perform(
        complaint,
        action="approve_remedy",
        by=by,
        reason=reason,
        changes={"remedy_amount": amount, "remedy_approved_by": by},
        expected_version=expected_version,
        check=approver_limit_covers,
    )
