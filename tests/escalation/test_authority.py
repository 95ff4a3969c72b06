"""Authority limits end to end (超出处理权限): a remedy beyond the handler's tier is refused, the
tier that may grant it is asked by email, approves through the core's approve_remedy step, the
handler is told and resolves. Limits come from settings.REDRESS_REMEDY_LIMITS (frontline 200,
manager 5000, general manager unlimited)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from complaints import services
from complaints.models import Complaint, Note, State
from complaints.services import ActionForbidden, ApprovalRequired, TransitionRefused
from escalation import services as sla
from tests.conftest import RESOLUTION

pytestmark = pytest.mark.django_db


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def subjects_to(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if address in m.to]


def resolution(amount: str) -> dict:
    return {**RESOLUTION, "remedy": "Refund", "remedy_amount": Decimal(amount)}


def test_a_remedy_beyond_frontline_is_approved_by_the_department_manager(
    clock, make_complaint, frontline, manager, gm, committed
):
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(ApprovalRequired):
        services.resolve(complaint, by=frontline, **resolution("1000"))
    assert fresh(complaint).state == State.ASSIGNED  # nothing half-saved

    with committed():
        sla.request_remedy_approval(
            complaint, by=frontline, amount=Decimal("1000"), justification="Charged twice"
        )
    note = Note.objects.get(complaint=complaint)
    assert "1000" in note.body and note.author == frontline
    assert subjects_to(manager.email) == [
        f"[{complaint.reference}] Approval needed: remedy of 1000"
    ]
    assert subjects_to(gm.email) == []

    with committed():
        services.approve_remedy(fresh(complaint), by=manager, amount=Decimal("1000"))
    assert subjects_to(frontline.email) == [f"[{complaint.reference}] Remedy of 1000 approved"]

    resolved = services.resolve(fresh(complaint), by=frontline, **resolution("1000"))
    assert resolved.state == State.RESOLVED and resolved.remedy_approved_by == manager
    trail = [
        (row.history_transition, row.history_user)
        for row in resolved.history.order_by("history_id")
    ]
    assert trail[-2:] == [("approve_remedy", manager), ("resolve", frontline)]


def test_a_remedy_beyond_the_manager_goes_to_the_general_manager(
    clock, make_complaint, frontline, manager, gm, committed
):
    complaint = make_complaint(State.ASSIGNED)
    with committed():
        sla.request_remedy_approval(
            complaint, by=frontline, amount=Decimal("8000"), justification="Car damaged"
        )
    assert subjects_to(gm.email) == [f"[{complaint.reference}] Approval needed: remedy of 8000"]
    assert subjects_to(manager.email) == []
    with pytest.raises(ActionForbidden):
        services.approve_remedy(fresh(complaint), by=manager, amount=Decimal("8000"))
    services.approve_remedy(fresh(complaint), by=gm, amount=Decimal("8000"))
    resolved = services.resolve(fresh(complaint), by=frontline, **resolution("8000"))
    assert resolved.remedy_approved_by == gm


def test_an_approval_covers_only_the_amount_approved(clock, make_complaint, frontline, manager):
    complaint = make_complaint(State.ASSIGNED)
    services.approve_remedy(complaint, by=manager, amount=Decimal("500"))
    with pytest.raises(ApprovalRequired):
        services.resolve(fresh(complaint), by=frontline, **resolution("900"))


def test_no_approval_is_asked_within_ones_own_limit_or_by_someone_who_does_not_handle_it(
    clock, make_complaint, frontline, frontline_b, auditor
):
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(TransitionRefused, match="within your own limit"):
        sla.request_remedy_approval(
            complaint, by=frontline, amount=Decimal("150"), justification="Small"
        )
    for user in (frontline_b, auditor):
        with pytest.raises(ActionForbidden):
            sla.request_remedy_approval(
                complaint, by=user, amount=Decimal("1000"), justification="x"
            )
    assert not Note.objects.exists() and mail.outbox == []
