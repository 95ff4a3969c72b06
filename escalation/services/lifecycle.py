"""Consequences of lifecycle moves (called from ``escalation.signals``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.locking import lock_all
from complaints.models import Complaint
from escalation.models import (
    ClockPause,
    ExtensionRequest,
)
from escalation.services.common import (
    DECIDED,
    ENDED,
    save_record,
)


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
        save_record(pause, by, [*ENDED, "decided_at", "decision_note"])
    for extension in lock_all(
        ExtensionRequest.objects.filter(
            complaint=complaint, status=ExtensionRequest.Status.REQUESTED
        )
    ):
        extension.status = ExtensionRequest.Status.REFUSED
        extension.decided_at = now
        extension.decision_note = _("Lapsed: the complaint is no longer being handled.")
        save_record(extension, by, DECIDED)
