"""Automatic notices: what the lifecycle tells the complainant (acknowledgement, acceptance,
refusal, extension, decision, survey...), by the best channel, once per event.

The receivers in ``correspondence.signals`` call ``notify`` with the event's key and the
variables ``notice_extra`` gives for its purpose.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, RejectReason
from correspondence import rendering
from correspondence.models import Channel, Message, MessageTemplate, Purpose
from correspondence.services.channels import (
    FALLBACK_ORDER,
    best_channel,
    channel_gaps,
    recipients,
)
from correspondence.services.outbox import queue, record_unsent
from correspondence.services.texts import language_of, render, template_for


def notify(
    complaint: Complaint,
    *,
    purpose: str,
    key: str,
    extra: dict | None = None,
    urgent: bool = False,
    channels=None,
) -> Message | None:
    """An automatic notice to the complainant by the best channel, once per ``key``.

    Returns the Message; one with status NOT_SENT when there is no way to reach the complainant
    (the complaint page says so), FAILED when no template exists for it. None when
    notifications are suppressed (replayed work) or the key was seen before with nothing to do.
    ``channels`` limits the channels (the survey: email or SMS only).
    """
    from complaints.signals import notifications_enabled

    if not notifications_enabled():
        return None
    existing = Message.objects.filter(complaint=complaint, event_key=key).first()
    if existing is not None:
        return existing
    language = language_of(complaint)
    chosen = best_channel(complaint, allowed=channels)
    if chosen is None:
        return _unreachable(
            complaint, purpose=purpose, key=key, language=language, channels=channels
        )
    channel, recipient = chosen
    return _queue_notice(
        complaint,
        purpose=purpose,
        key=key,
        channel=channel,
        recipient=recipient,
        language=language,
        extra=extra,
        urgent=urgent,
    )


def _queue_notice(
    complaint: Complaint,
    *,
    purpose: str,
    key: str,
    channel: str,
    recipient: str,
    language: str,
    extra: dict | None,
    urgent: bool,
) -> Message | None:
    """The notice by ``channel`` from its template: queued, or FAILED with the reason when no
    template exists or it does not render (the complaint page shows why)."""
    unsent = {"channel": channel, "purpose": purpose, "key": key, "recipient": recipient}
    template = template_for(purpose, channel, language)
    if template is None:
        return record_unsent(
            complaint,
            **unsent,
            language=language,
            status=Message.Status.FAILED,
            error=(
                f"No active template for {purpose} by {channel} in {language} "
                f"or {settings.LANGUAGE_CODE}: add one in the admin, then retry."
            ),
        )
    try:
        rendered = _notice_text(complaint, purpose, channel, template, extra)
    except ValidationError as exc:
        return record_unsent(
            complaint,
            **unsent,
            language=template.language,
            status=Message.Status.FAILED,
            error=f"The template {template.pk} does not render: {' '.join(exc.messages)}",
        )
    try:
        with transaction.atomic():
            return queue(
                complaint,
                channel=channel,
                purpose=purpose,
                event_key=key,
                recipient=recipient,
                language=template.language,
                template=template,
                rendered=rendered,
                urgent=urgent,
                by=None,
            )
    except IntegrityError:
        return Message.objects.filter(complaint=complaint, event_key=key).first()


def _unreachable(complaint: Complaint, *, purpose, key, language, channels) -> Message | None:
    """No channel reaches the complainant: a NOT_SENT row that says why (by SMS when there is
    a number, opted out; else the first allowed channel)."""
    gaps = channel_gaps(complaint)
    # In the documented order (``channels`` may be a set).
    allowed = [c.value for c in FALLBACK_ORDER if channels is None or c in channels]
    reason = " ".join(gaps[c] for c in allowed if c in gaps)
    channel = Channel.SMS if Channel.SMS in recipients(complaint) else allowed[0]
    return record_unsent(
        complaint,
        channel=channel,
        purpose=purpose,
        key=key,
        language=language,
        status=Message.Status.NOT_SENT,
        error=str(_("No way to reach the complainant: %(reason)s") % {"reason": reason}),
    )


def _notice_text(
    complaint: Complaint, purpose: str, channel: str, template: MessageTemplate, extra
) -> rendering.Rendered:
    """The template rendered in its own language (the survey's link added)."""
    extra = dict(extra or {})
    if purpose == Purpose.SURVEY and "survey_url" not in extra:
        from correspondence import survey

        extra["survey_url"] = survey.link_for(complaint)
    return render(
        complaint,
        channel=channel,
        language=template.language,
        subject=template.subject,
        body=template.body,
        extra=extra,
    )


# ---------------------------------------------------------------------------------------------
# What each event says (used by the receivers in signals.py)
# ---------------------------------------------------------------------------------------------


def refusal_reason(complaint: Complaint) -> str:
    """The reject reason's label and the decision note, in the active language."""
    parts = []
    if complaint.reject_reason:
        parts.append(str(RejectReason(complaint.reject_reason).label))
    if complaint.decision_note:
        parts.append(complaint.decision_note)
    return ": ".join(parts) if len(parts) == 2 else "".join(parts)


def notice_extra(complaint: Complaint, purpose: str, *, reason: str = "") -> dict:
    """The event's own template variables, in the complainant's language."""
    with translation.override(language_of(complaint)):
        extra: dict = {}
        if purpose == Purpose.ACKNOWLEDGEMENT:
            extra["tracking_code"] = complaint.tracking_code
        elif purpose == Purpose.REFUSAL:
            extra["reason"] = refusal_reason(complaint)
            window = settings.REDRESS_REFUSAL_APPEAL_DAYS
            extra["appeal_window_days"] = window
            extra["appeal_deadline"] = rendering._date(timezone.now() + dt.timedelta(days=window))
        elif purpose == Purpose.EXTENSION:
            extra["reason"] = reason
            extra["new_due_date"] = rendering._date(complaint.resolution_due_at)
        return extra
