"""The text of a message: the template an automatic purpose uses, and rendering a subject and
body for a channel in a language (``correspondence.rendering`` does the Django-template work)."""

from __future__ import annotations

from django.conf import settings

from complaints.models import Complaint
from correspondence import rendering
from correspondence.models import Channel, MessageTemplate


def language_of(complaint: Complaint) -> str:
    """The complainant's language, else the site's."""
    return complaint.complainant_language or settings.LANGUAGE_CODE


def template_for(purpose: str, channel: str, language: str) -> MessageTemplate | None:
    """The active template of an automatic purpose: the complainant's language first, then the
    site's default language."""
    for lang in dict.fromkeys([language, settings.LANGUAGE_CODE]):
        found = (
            MessageTemplate.objects.filter(
                purpose=purpose, channel=channel, language=lang, active=True
            )
            .order_by("name")
            .first()
        )
        if found is not None:
            return found
    return None


def template_from(template) -> MessageTemplate | None:
    """A template given as itself, by its pk, or None."""
    if template is None or isinstance(template, MessageTemplate):
        return template
    return MessageTemplate.objects.get(pk=template)


def render(
    complaint: Complaint,
    *,
    channel: str,
    language: str,
    subject: str,
    body: str,
    extra: dict | None,
) -> rendering.Rendered:
    """The message as it is sent by ``channel``: no subject for SMS, HTML for email only.
    Raises ValidationError for a variable the templates may not use."""
    rendering.validate(subject, body)
    context = rendering.context_for(complaint, language=language, extra=extra)
    return rendering.render(
        subject=subject if channel != Channel.SMS else "",
        body=body,
        context=context,
        language=language,
        html=channel == Channel.EMAIL,
    )
