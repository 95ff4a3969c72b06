"""django-q2 tasks of the intake app. Each takes ids, and running one twice changes nothing the
second time."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from complaints.models import Complaint
from intake import mail, notices
from intake.models import Notification

logger = logging.getLogger(__name__)

# Created by `manage.py setup_schedules` (the core collects every app's SCHEDULES).
SCHEDULES = [
    {"name": "intake: fetch complaint mail", "func": "intake.tasks.fetch_mail", "minutes": 5},
]


def notify_complainant(complaint_id: int, kind: str, event_version: int) -> str:
    """Send the ``kind`` notice for the complaint's event at ``event_version``, once.

    The outbox row is unique per (complaint, kind, version). It is claimed with a conditional
    UPDATE (``sent_at`` NULL → now): the row count says whether this run won; a re-run, or a
    second worker, gets 0 and sends nothing. A failed send releases the claim and re-raises, so
    django-q2's retry tries again.
    """
    complaint = Complaint.objects.select_related("category", "merged_into").get(pk=complaint_id)
    if not complaint.complainant_email:
        return "no email address"
    notification, _created = Notification.objects.get_or_create(
        complaint=complaint,
        kind=kind,
        event_version=event_version,
        defaults={
            "recipient": complaint.complainant_email,
            "language": complaint.complainant_language,
        },
    )
    claimed = Notification.objects.filter(pk=notification.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return "already sent"
    try:
        message = notices.build(notification, complaint)
        message.send()
    except Exception as exc:
        Notification.objects.filter(pk=notification.pk).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    Notification.objects.filter(pk=notification.pk).update(
        subject=message.subject[:300], message_id=message.extra_headers["Message-ID"], last_error=""
    )
    return f"sent {kind} for {complaint.reference}"


def fetch_mail() -> str:
    """The scheduled email intake; does nothing while REDRESS_MAIL_SOURCE is empty."""
    if not settings.REDRESS_MAIL_SOURCE:
        return "email intake is off"
    results = mail.fetch(mail.open_source())
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no new mail"
