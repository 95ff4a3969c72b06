"""Staff emails name the colleague who asked or decided by display name, not by login."""

import datetime as dt

import pytest
from django.core import mail

from complaints.models import State
from escalation import services as sla
from tests.escalation.conftest import (  # noqa: F401 - the escalation tests' fixtures
    SHANGHAI,
    clock,
    committed,
    escalation_settings,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("escalation_settings")]


def test_the_approval_email_names_the_requester_by_display_name(
    clock,  # noqa: F811
    make_complaint,
    frontline,
    manager,
    committed,  # noqa: F811
    settings,
):
    settings.REDRESS_TASKS_SYNC = True
    frontline.first_name, frontline.last_name = "Wang", "Fang"
    frontline.save()
    complaint = make_complaint(State.ASSIGNED)
    with committed():
        sla.request_extension(
            complaint,
            by=frontline,
            proposed_due_at=dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI),
            reason="Waiting for the bank",
        )
    [to_manager] = [m for m in mail.outbox if manager.email in m.to]
    assert "Wang Fang asks to move the resolution deadline" in to_manager.body
    assert "frontline asks" not in to_manager.body
