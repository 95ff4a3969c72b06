"""Escalating by hand (超出处理权限: report upward at once)."""

from __future__ import annotations

from complaints import services as core
from complaints.models import Complaint
from escalation.models import (
    EscalationCause,
    ManualReason,
)
from escalation.records import EscalationContext


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
