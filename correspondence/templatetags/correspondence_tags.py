"""The messages panel of the complaint page.

A template tag library is the seam between the two apps: ``complaints`` imports nothing of
``correspondence`` in Python, and its page loads this library by name
(``{% load correspondence_tags %}{% complaint_messages complaint user %}``).
"""

from __future__ import annotations

from typing import Any

from django import template

from complaints import selectors as complaint_selectors
from correspondence import selectors, services
from correspondence.forms import mask_recipient
from correspondence.models import Message
from correspondence.views import may_write_to

register = template.Library()

STATUS_STYLES = {
    Message.Status.QUEUED: "text-bg-secondary",
    Message.Status.SENDING: "text-bg-info",
    Message.Status.SENT: "text-bg-primary",
    Message.Status.DELIVERED: "text-bg-success",
    Message.Status.FAILED: "text-bg-danger",
    Message.Status.TO_POST: "text-bg-warning",
    Message.Status.NOT_SENT: "text-bg-dark",
}


@register.inclusion_tag("correspondence/messages_panel.html", takes_context=True)
def complaint_messages(context, complaint, user) -> dict[str, Any]:
    """Every message to the complainant, newest first, with what the handler can do about
    each; a fixed number of queries whatever their number (``selectors.messages_for`` joins
    the author and the attachment)."""
    # Staff from whom the complainant is kept see every character masked, others enough to
    # tell two recipients apart.
    hide = not complaint_selectors.may_see_complainant(user, complaint)
    rows = [
        {
            "message": message,
            "recipient": complaint_selectors.mask(message.recipient)
            if hide
            else mask_recipient(message.channel, message.recipient),
            "style": STATUS_STYLES.get(message.status, "text-bg-light"),
        }
        for message in selectors.messages_for(complaint)
    ]
    return {
        "complaint": complaint,
        "rows": rows,
        "no_channel": not services.channels_for(complaint),
        "may_write": may_write_to(complaint, user),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("correspondence/write_button.html")
def write_to_complainant_button(complaint, user) -> dict[str, Any]:
    """The complaint page's "Write to the complainant" button, for those who may write."""
    return {"complaint": complaint, "show": may_write_to(complaint, user)}
