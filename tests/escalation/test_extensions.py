"""Extending the resolution deadline: a handler asks, a manager decides, the complainant is told
the new date, the extension is counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from complaints import services
from complaints.models import Complaint, State
from complaints.services import ActionForbidden, TransitionRefused
from correspondence.models import Message
from escalation import services as sla
from escalation.models import ExtensionRequest
from tests.conftest import RESOLUTION
from tests.correspondence.conftest import make_templates
from tests.escalation.conftest import MONDAY_0930, SHANGHAI

pytestmark = pytest.mark.django_db

FRIDAY_18 = dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def test_an_approved_extension_moves_the_deadline_counts_and_tells_the_complainant(
    clock, make_complaint, frontline, manager, committed, settings
):
    make_templates()
    settings.REDRESS_TASKS_SYNC = True
    complaint = make_complaint(
        State.ASSIGNED, complainant_email="wang@example.test", complainant_language="en"
    )
    with committed():
        request = sla.request_extension(
            complaint, by=frontline, proposed_due_at=FRIDAY_18, reason="Waiting for the bank"
        )
    assert request.status == ExtensionRequest.Status.REQUESTED
    assert request.current_due_at == MONDAY_0930 + dt.timedelta(hours=72)
    assert fresh(complaint).resolution_due_at == request.current_due_at  # unchanged until approved
    assert [m.subject for m in mail.outbox if manager.email in m.to] == [
        f"[{complaint.reference}] Approval needed: more time to resolve"
    ]

    with committed():
        sla.decide_extension(request, by=manager, approve=True, note="OK")
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == FRIDAY_18 and complaint.extension_count == 1
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user, row.history_change_reason) == (
        "extend",
        manager,
        "Waiting for the bank",
    )
    # Through correspondence's outbox, by the complainant's best channel.
    [told] = Message.objects.filter(complaint=complaint, purpose="extension")
    assert (told.channel, told.event_key, told.status) == ("email", "extension:1", "sent")
    to_complainant = [m for m in mail.outbox if m.to == ["wang@example.test"]]
    assert [m.subject for m in to_complainant] == [f"[{complaint.reference}] Extended"]
    assert "to March 6, 2026. Reason: Waiting for the bank." in to_complainant[0].body
    assert [m.subject for m in mail.outbox if frontline.email in m.to] == [
        f"[{complaint.reference}] Extension approved"
    ]


def test_a_refused_extension_changes_nothing_and_tells_the_requester(
    clock, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED, complainant_email="wang@example.test")
    request = sla.request_extension(
        complaint, by=frontline, proposed_due_at=FRIDAY_18, reason="More time"
    )
    with committed():
        sla.decide_extension(request, by=manager, approve=False, note="Answer by Thursday")
    complaint = fresh(complaint)
    assert complaint.extension_count == 0
    assert complaint.resolution_due_at == MONDAY_0930 + dt.timedelta(hours=72)
    assert [m.to for m in mail.outbox] == [[frontline.email]]
    assert mail.outbox[0].subject == f"[{complaint.reference}] Extension refused"


def test_a_manager_handling_the_complaint_extends_at_once(clock, make_complaint, manager):
    complaint = make_complaint(State.ASSIGNED)
    request = sla.request_extension(
        complaint, by=manager, proposed_due_at=FRIDAY_18, reason="Complex case"
    )
    assert (request.status, request.decided_by) == ("approved", manager)
    assert fresh(complaint).extension_count == 1


def test_the_policy_caps_how_many_extensions_a_complaint_gets(clock, make_complaint, manager):
    complaint = make_complaint(State.ASSIGNED)
    for days in (5, 10):  # the standard policy allows two
        sla.request_extension(
            fresh(complaint),
            by=manager,
            proposed_due_at=MONDAY_0930 + dt.timedelta(days=days),
            reason="More",
        )
    with pytest.raises(TransitionRefused, match="as many as its policy allows"):
        sla.request_extension(
            fresh(complaint),
            by=manager,
            proposed_due_at=MONDAY_0930 + dt.timedelta(days=20),
            reason="More",
        )
    assert fresh(complaint).extension_count == 2


def test_an_extension_must_be_later_than_the_current_deadline(clock, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    with pytest.raises(TransitionRefused):
        sla.request_extension(
            complaint,
            by=frontline,
            proposed_due_at=MONDAY_0930 + dt.timedelta(hours=10),
            reason="Sooner?",
        )
    assert not ExtensionRequest.objects.exists()


def test_nobody_approves_their_own_request_and_other_departments_cannot(
    clock, make_complaint, frontline, frontline2, manager_b
):
    complaint = make_complaint(State.ASSIGNED)
    request = sla.request_extension(
        complaint, by=frontline, proposed_due_at=FRIDAY_18, reason="More time"
    )
    for user in (frontline, frontline2, manager_b):
        with pytest.raises(ActionForbidden):
            sla.decide_extension(request, by=user, approve=True)


def test_a_pending_extension_lapses_when_the_complaint_is_resolved(
    clock, make_complaint, frontline
):
    complaint = make_complaint(State.ASSIGNED)
    request = sla.request_extension(
        complaint, by=frontline, proposed_due_at=FRIDAY_18, reason="More time"
    )
    services.resolve(fresh(complaint), by=frontline, **RESOLUTION)
    request.refresh_from_db()
    assert request.status == ExtensionRequest.Status.REFUSED
    assert "no longer being handled" in request.decision_note


def test_the_complainant_is_told_in_their_own_language(
    clock, make_complaint, manager, committed, settings
):
    make_templates()
    settings.REDRESS_TASKS_SYNC = True
    complaint = make_complaint(
        State.ASSIGNED, complainant_email="wang@example.test", complainant_language="zh-hans"
    )
    with committed():
        sla.request_extension(complaint, by=manager, proposed_due_at=FRIDAY_18, reason="复杂")
    (message,) = [m for m in mail.outbox if m.to == ["wang@example.test"]]
    assert message.subject == f"[{complaint.reference}] Extended"
    assert "2026年3月6日" in message.body and "复杂" in message.body
