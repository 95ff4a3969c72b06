"""Notices to complainants: rendered from ``templates/emails/<kind>-subject.txt``,
``-body.txt`` and ``-body.html`` in the complainant's language. Never names staff."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.utils import translation

from complaints.models import Complaint
from intake import selectors
from intake import services as intake_services
from intake.models import ImportedMessage, Notification


def template_base(kind: str) -> str:
    return "emails/" + kind.replace("_", "-")


def context_for(complaint: Complaint, kind: str) -> dict:
    base = settings.REDRESS_PUBLIC_BASE_URL
    return {
        "complaint": complaint,
        "kind": kind,
        "reference": complaint.reference,
        # Only the acknowledgement carries the tracking code; later notices point to the page.
        "tracking_code": complaint.tracking_code if kind == "acknowledgement" else "",
        "track_url": f"{base}/track/?reference={complaint.reference}",
        "status": selectors.public_status(complaint),
        "appeal_deadline": intake_services.appeal_deadline(complaint),
        "appeal_window_days": settings.REDRESS_APPEAL_WINDOW_DAYS,
    }


def build(notification: Notification, complaint: Complaint) -> EmailMultiAlternatives:
    """The email for ``notification``, with our own Message-ID (replies thread back by it) and,
    for a complaint that arrived by email, In-Reply-To the complainant's message."""
    base = template_base(notification.kind)
    with translation.override(notification.language):
        context = context_for(complaint, notification.kind)
        subject = " ".join(render_to_string(f"{base}-subject.txt", context).split())
        text = render_to_string(f"{base}-body.txt", context)
        html = render_to_string(f"{base}-body.html", context)
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or None
    headers = {
        "Message-ID": make_msgid(domain=domain),
        # RFC 3834: autoresponders must not answer us (and we skip theirs on import).
        "Auto-Submitted": "auto-generated",
    }
    original = (
        ImportedMessage.objects.filter(complaint=complaint, outcome=ImportedMessage.Outcome.NEW)
        .values_list("message_id", flat=True)
        .first()
    )
    if original:
        headers["In-Reply-To"] = original
        headers["References"] = original
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[notification.recipient],
        headers=headers,
        reply_to=[settings.REDRESS_MAIL_REPLY_TO] if settings.REDRESS_MAIL_REPLY_TO else None,
    )
    message.attach_alternative(html, "text/html")
    return message
