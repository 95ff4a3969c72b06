"""The email of a queued message: its text and HTML, our own Message-ID (a complainant's answer
names it in In-Reply-To, which threads the answer onto the complaint), Reply-To the intake
mailbox, and In-Reply-To the complainant's own first email when the complaint came by email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from correspondence import selectors
from correspondence.models import Message, Purpose


def build(message: Message) -> EmailMultiAlternatives:
    headers = {"Message-ID": message.message_id}
    if message.purpose != Purpose.REPLY:
        # RFC 3834: autoresponders must not answer an automatic notice (and intake skips theirs).
        headers["Auto-Submitted"] = "auto-generated"
    original = selectors.original_message_id(message.complaint)
    if original:
        headers["In-Reply-To"] = original
        headers["References"] = original
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        to=[message.recipient],
        headers=headers,
        reply_to=[settings.REDRESS_MAIL_REPLY_TO] if settings.REDRESS_MAIL_REPLY_TO else None,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    return email
