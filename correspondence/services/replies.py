"""A handler's messages to the complainant: the preview, the send (with its Communication on
the timeline), and the follow-up on one that failed or on a printed letter."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints import services as core
from complaints.locking import lock
from complaints.models import Communication, Complaint
from complaints.selectors import may_see_complainant
from correspondence import rendering
from correspondence.models import Channel, Message, Purpose
from correspondence.services.channels import channel_gaps, channels_for
from correspondence.services.outbox import enqueue_after_commit, is_stale, queue
from correspondence.services.texts import language_of, render, template_for, template_from
from correspondence.sms import policy


def _require_writer(complaint: Complaint, by) -> None:
    """The same rule as logging a contact by hand, plus confidentiality: a user from whom the
    complainant's identity is kept may not learn where the message goes."""
    if not (rules._perm(by, "add_communication") and rules.handles(complaint, by)):
        raise core.ActionForbidden(_("You may not write to the complainant of this complaint."))
    if not may_see_complainant(by, complaint):
        raise core.ActionForbidden(
            _("The complainant's identity is kept from you; ask a manager to write to them.")
        )


def _usable_recipient(complaint: Complaint, channel: str) -> str:
    if channel not in Channel.values:
        raise ValidationError(_("Choose email, text message or letter."))
    usable = channels_for(complaint)
    if channel not in usable:
        reason = channel_gaps(complaint).get(channel, "")
        raise ValidationError(
            _("This complaint cannot be answered by %(channel)s. %(reason)s")
            % {"channel": Channel(channel).label, "reason": reason}
        )
    return usable[channel]


def _handler_text(
    complaint: Complaint, *, channel: str, purpose: str, template, subject: str, body: str, extra
):
    template = template_from(template)
    language = template.language if template is not None else language_of(complaint)
    if template is None and not body.strip() and purpose != Purpose.REPLY:
        template = template_for(purpose, channel, language)
    if template is not None:
        subject = subject or template.subject
        body = body or template.body
    if not body.strip():
        raise ValidationError(_("Write the message or choose a template."))
    extra = dict(extra or {})
    if purpose == Purpose.SURVEY:
        from correspondence import survey

        extra["survey_url"] = survey.link_for(complaint)
    rendered = render(
        complaint, channel=channel, language=language, subject=subject, body=body, extra=extra
    )
    if channel == Channel.SMS:
        # A handler's text is refused beyond the segment limit (automatic notices, from the
        # admin's templates, go whatever their length: the event must be told).
        policy.check_length(rendered.text, language)
    return template, language, rendered


def preview(
    complaint: Complaint,
    *,
    by,
    channel: str,
    purpose: str = Purpose.REPLY,
    template=None,
    subject: str = "",
    body: str = "",
    extra: dict | None = None,
) -> rendering.Rendered:
    """What ``send_reply`` with the same arguments would send; nothing is written.

    Raises ActionForbidden (``by`` may not write to this complaint) or ValidationError (an
    unusable channel, an unknown variable, nothing to send)."""
    _require_writer(complaint, by)
    _usable_recipient(complaint, channel)
    _template_, _language, rendered = _handler_text(
        complaint,
        channel=channel,
        purpose=purpose,
        template=template,
        subject=subject,
        body=body,
        extra=extra,
    )
    return rendered


def send_reply(
    complaint: Complaint,
    *,
    by,
    channel: str,
    key: str,
    purpose: str = Purpose.REPLY,
    template=None,
    subject: str = "",
    body: str = "",
    extra: dict | None = None,
    urgent: bool = False,
) -> Message:
    """Queue a handler's message to the complainant.

    Preconditions: ``by`` handles the complaint and may see the complainant; the channel is
    usable; the text renders. ``key`` identifies the form submission: the same key again
    returns the first Message and writes nothing.

    Side effects, in one transaction: the Message, and a Communication (outbound, medium =
    channel, author = ``by``) on the timeline with its history row (the first outbound contact
    also sets the complaint's first response). The send is queued after commit; a letter is
    rendered to PDF by the worker and left TO_POST.
    """
    _require_writer(complaint, by)
    event_key = f"reply:{key}"[:100]
    existing = Message.objects.filter(complaint=complaint, event_key=event_key).first()
    if existing is not None:
        return existing
    recipient = _usable_recipient(complaint, channel)
    template, language, rendered = _handler_text(
        complaint,
        channel=channel,
        purpose=purpose,
        template=template,
        subject=subject,
        body=body,
        extra=extra,
    )
    try:
        with transaction.atomic():
            message = queue(
                complaint,
                channel=channel,
                purpose=purpose,
                event_key=event_key,
                recipient=recipient,
                language=language,
                template=template,
                rendered=rendered,
                urgent=urgent,
                by=by,
            )
            _log_on_timeline(message, rendered, by=by)
    except IntegrityError:
        # The same submission raced itself (a double click on two connections).
        return Message.objects.get(complaint=complaint, event_key=event_key)
    return message


# ---------------------------------------------------------------------------------------------


def _log_on_timeline(message: Message, rendered: rendering.Rendered, *, by) -> None:
    """The reply's Communication (outbound, medium = channel, author = ``by``), linked on the
    message; the first outbound contact also sets the complaint's first response."""
    summary = "\n\n".join(p for p in (rendered.subject, rendered.text) if p)
    message.communication = core.log_communication(
        message.complaint,
        by=by,
        medium=message.channel,
        direction=Communication.Direction.OUTBOUND,
        summary=summary,
        message_id=message.message_id,
    )
    message._history_user = by
    message.save(update_fields=["communication"])


# ---------------------------------------------------------------------------------------------
# A handler's follow-up
# ---------------------------------------------------------------------------------------------


def _require_handler(message: Message, by) -> Complaint:
    complaint = message.complaint
    if not (rules._perm(by, "add_communication") and rules.handles(complaint, by)):
        raise core.ActionForbidden(_("You may not write to the complainant of this complaint."))
    return complaint


def retry(message: Message, *, by) -> Message:
    """Queue a FAILED message again (or one left in SENDING by a worker that died, once the
    handler checked with the complainant). A text message is held out of quiet hours.

    History: the message's own row (status back to queued, ``by``)."""
    _require_handler(message, by)
    with transaction.atomic():
        locked = lock(message)
        if locked.status not in (Message.Status.FAILED, Message.Status.SENDING):
            raise core.TransitionRefused(_("Only a failed message can be sent again."))
        if locked.status == Message.Status.SENDING and not is_stale(locked):
            raise core.TransitionRefused(_("This message is being sent right now."))
        if not locked.body:
            raise core.TransitionRefused(
                _("This message has no text (no template existed); write a reply instead.")
            )
        now = timezone.now()
        locked.status = Message.Status.QUEUED
        locked.attempts = 0
        locked.claimed_at = None
        locked.send_after = (
            policy.next_allowed(now, urgent=locked.urgent) if locked.channel == Channel.SMS else now
        )
        locked._history_user = by
        locked.save(update_fields=["status", "attempts", "claimed_at", "send_after"])
        enqueue_after_commit(locked)
    return locked


def mark_posted(message: Message, *, by) -> Message:
    """A printed letter was posted: SENT now, with a letter Communication on the timeline (by
    ``by``) unless the handler's own reply already wrote one.

    History: the message's row, the communication's row."""
    complaint = _require_handler(message, by)
    with transaction.atomic():
        locked = lock(message)
        if locked.channel != Channel.LETTER or locked.status != Message.Status.TO_POST:
            raise core.TransitionRefused(
                _("Only a printed letter waiting to be posted can be marked as posted.")
            )
        now = timezone.now()
        locked.status = Message.Status.SENT
        locked.sent_at = now
        fields = ["status", "sent_at"]
        if locked.communication_id is None:
            summary = "\n\n".join(p for p in (locked.subject, locked.body) if p)
            locked.communication = core.log_communication(
                complaint,
                by=by,
                medium=Communication.Medium.LETTER,
                direction=Communication.Direction.OUTBOUND,
                summary=summary,
                occurred_at=now,
            )
            fields.append("communication")
        locked._history_user = by
        locked.save(update_fields=fields)
    return locked
