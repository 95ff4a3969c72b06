"""Correspondence's receivers of the core's signals (connected when this module is imported by
CorrespondenceConfig.ready): each lifecycle action that the complainant must hear about queues
its automatic notice, inside the action's transaction, so a rolled-back action tells nobody.

The event key is the complaint's version after the action (a reopened complaint resolved again
gets a second decision); an extension, which does not move the version, counts extensions.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from complaints.signals import (
    complainant_notice_requested,
    complaint_changed,
    complaints_changed,
    notifications_enabled,
)
from correspondence import services
from correspondence.models import Purpose

PURPOSE_FOR_ACTION = {
    "register": Purpose.ACKNOWLEDGEMENT,
    "classify": Purpose.ACCEPTANCE,
    "reject": Purpose.REFUSAL,
    "extend": Purpose.EXTENSION,
    "resolve": Purpose.DECISION,
    # 不予受理复查: the appeal's decision, and the original accepted when the refusal is overturned.
    "decide_refusal_appeal": Purpose.DECISION,
    "accept_on_appeal": Purpose.ACCEPTANCE,
    "follow_up": Purpose.FOLLOW_UP,
}


@receiver(complaint_changed, dispatch_uid="correspondence.tell_complainant")
def tell_complainant(sender, *, complaint, action, reason="", **kwargs) -> None:
    purpose = PURPOSE_FOR_ACTION.get(action)
    if purpose is None or not notifications_enabled():
        return
    if purpose == Purpose.EXTENSION:
        key = f"extension:{complaint.extension_count}"
    else:
        key = f"{purpose}:{complaint.version}"
    services.notify(
        complaint,
        purpose=purpose,
        key=key,
        extra=services.notice_extra(complaint, purpose, reason=reason or ""),
    )
    if purpose == Purpose.DECISION and settings.REDRESS_SURVEY_AUTO:
        services.notify(
            complaint,
            purpose=Purpose.SURVEY,
            key=f"{Purpose.SURVEY}:{complaint.version}",
            channels=services.SURVEY_CHANNELS,
        )


@receiver(complaints_changed, dispatch_uid="correspondence.tell_complainants")
def tell_complainants(sender, *, complaints, action, reasons=None, **kwargs) -> None:
    """A bulk service's changes: the same, complaint by complaint."""
    if action not in PURPOSE_FOR_ACTION:
        return
    for complaint in complaints:
        tell_complainant(
            sender,
            complaint=complaint,
            action=action,
            reason=(reasons or {}).get(complaint.pk, ""),
        )


@receiver(complainant_notice_requested, dispatch_uid="correspondence.notice_requested")
def notice_requested(sender, *, complaint, purpose, key, context=None, **kwargs) -> None:
    services.notify(complaint, purpose=purpose, key=key, extra=context or {})
