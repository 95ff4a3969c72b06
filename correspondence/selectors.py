"""Reads of the outbox: the complaint page's list of messages, and what email intake needs to
thread a complainant's answer onto the complaint it answers."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from complaints.models import Communication, Complaint
from complaints.selectors import mask, may_see_complainant
from correspondence.models import Message


def messages_for(complaint: Complaint, *, viewer=None) -> list[Message]:
    """The complaint's messages, newest first, with who wrote them and their template.

    Each carries ``shown_recipient``: the recipient, masked for a ``viewer`` from whom the
    complainant's identity is kept (对信访人身份保密)."""
    messages = list(
        Message.objects.filter(complaint=complaint)
        .select_related("created_by", "template", "attachment", "communication")
        .order_by("-created_at", "-id")
    )
    hide = viewer is not None and not may_see_complainant(viewer, complaint)
    for message in messages:
        message.shown_recipient = mask(message.recipient) if hide else message.recipient
    return messages


def messages_queryset(complaint: Complaint) -> QuerySet[Message]:
    return Message.objects.filter(complaint=complaint).order_by("-created_at", "-id")


def complaint_id_for_message_ids(ids: Iterable[str]) -> int | None:
    """The complaint one of our emails with these Message-IDs belongs to (an answer's
    In-Reply-To and References name them), or None."""
    ids = [i for i in ids if i]
    if not ids:
        return None
    return Message.objects.filter(message_id__in=ids).values_list("complaint_id", flat=True).first()


def original_message_id(complaint: Complaint) -> str:
    """The Message-ID of the complainant's first email on this complaint ("" if none): our
    emails answer it, so they sit in the complainant's own thread."""
    return (
        Communication.objects.filter(complaint=complaint, direction=Communication.Direction.INBOUND)
        .exclude(message_id="")
        .order_by("occurred_at", "id")
        .values_list("message_id", flat=True)
        .first()
        or ""
    )


def channel_gaps(complaint: Complaint) -> dict[str, str]:
    """Each channel the complaint cannot be reached by → why (see ``services.channel_gaps``)."""
    from correspondence import services

    return services.channel_gaps(complaint)


def unreachable(complaint: Complaint) -> bool:
    """No channel at all: the complaint page says that automatic notices cannot go out."""
    from correspondence import services

    return services.best_channel(complaint) is None
