"""Writing to the complainant: every message, automatic or written by a handler, goes through
here and through the one outbox (``Message``).

A message is rendered when it is queued, in the same transaction as whatever caused it (the
lifecycle action, the handler's form), so what the handler previewed is what goes out and a
rolled-back change tells nobody. The send itself is a django-q2 task queued after commit
(``correspondence.tasks.send_message``); it claims the row with a conditional UPDATE, so a
task that runs twice, or two workers, send once. A message that may have gone out when a
worker died is never sent again automatically (``tasks.dispatch_due``).

Public functions (the reply page, the API, the survey and the letters call exactly these):

- ``best_channel(complaint)``: (channel, recipient) for an automatic notice, or None.
- ``channels_for(complaint)``: every usable channel → recipient (the reply dialog offers them).
- ``preview(...)``: what a handler's message would be, nothing written.
- ``send_reply(...)``: queue a handler's message, with its Communication on the timeline.
- ``notify(complaint, purpose=, key=)``: an automatic notice by the best channel.
- ``retry(message, by=)`` and ``mark_posted(message, by=)``: a handler's follow-up on a
  failed message and on a printed letter.
- ``send(message)``: the send itself, called by the task.
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints import services as core
from complaints.locking import lock
from complaints.models import Communication, Complaint, RejectReason
from complaints.phones import sms_number
from complaints.selectors import mask, may_see_complainant
from correspondence import rendering
from correspondence.models import Channel, Message, MessageTemplate, Purpose
from correspondence.sms import policy

log = logging.getLogger(__name__)

# After a failed attempt the next one waits this long (attempt 1 failed → 1 minute...).
BACKOFF = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
]
MAX_ATTEMPTS = len(BACKOFF) + 1
# A row in SENDING for longer than this belongs to a worker that died mid-send.
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
STALE_CLAIM_ERROR = _(
    "The worker stopped while sending; check with the complainant before sending again."
)

# The order of automatic notices when the complainant stated no usable preference.
FALLBACK_ORDER = [Channel.EMAIL, Channel.SMS, Channel.LETTER]
# The survey is a link: it goes where a link can be followed.
SURVEY_CHANNELS = {Channel.EMAIL, Channel.SMS}


# ---------------------------------------------------------------------------------------------
# Channels
# ---------------------------------------------------------------------------------------------


def _recipients(complaint: Complaint) -> dict[str, str]:
    """Every channel the complaint's contact details allow, before opt-outs."""
    found = {}
    if complaint.complainant_email:
        found[Channel.EMAIL.value] = complaint.complainant_email
    number = sms_number(complaint.complainant_phone)
    if number:
        found[Channel.SMS.value] = number
    address = (complaint.complainant_address or "").strip()
    if address:
        found[Channel.LETTER.value] = address
    return found


def channel_gaps(complaint: Complaint) -> dict[str, str]:
    """Each channel that cannot be used → why (the complaint page and the reply dialog say it)."""
    found = _recipients(complaint)
    gaps = {}
    if Channel.EMAIL not in found:
        gaps[Channel.EMAIL.value] = str(_("No email address was given."))
    if Channel.SMS not in found:
        gaps[Channel.SMS.value] = str(
            _("No mobile number was given (a landline cannot receive text messages).")
            if complaint.complainant_phone
            else _("No phone number was given.")
        )
    elif policy.opted_out(found[Channel.SMS]):
        gaps[Channel.SMS.value] = str(_("The complainant asked for no more text messages."))
    if Channel.LETTER not in found:
        gaps[Channel.LETTER.value] = str(_("No postal address was given."))
    return gaps


def channels_for(complaint: Complaint, *, viewer=None) -> dict[str, str]:
    """Every usable channel → recipient, in the automatic order (email, SMS, letter).

    With ``viewer``, a recipient the viewer may not see (对信访人身份保密) is masked."""
    found = _recipients(complaint)
    if Channel.SMS in found and policy.opted_out(found[Channel.SMS]):
        del found[Channel.SMS]
    if viewer is not None and not may_see_complainant(viewer, complaint):
        found = {channel: mask(recipient) for channel, recipient in found.items()}
    return {channel.value: found[channel] for channel in FALLBACK_ORDER if channel in found}


def best_channel(complaint: Complaint, *, allowed=None) -> tuple[str, str] | None:
    """(channel, recipient) for an automatic notice: the stated preference if it can be used,
    else email, else SMS, else a letter; None when there is no way to reach the complainant."""
    usable = channels_for(complaint)
    if allowed is not None:
        usable = {channel: r for channel, r in usable.items() if channel in allowed}
    preferred = complaint.preferred_channel
    if preferred and preferred in usable:
        return preferred, usable[preferred]
    for channel in FALLBACK_ORDER:
        if channel in usable:
            return channel.value, usable[channel]
    return None


# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def _language_of(complaint: Complaint) -> str:
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


def _template(template) -> MessageTemplate | None:
    if template is None or isinstance(template, MessageTemplate):
        return template
    return MessageTemplate.objects.get(pk=template)


def _render(
    complaint: Complaint,
    *,
    channel: str,
    language: str,
    subject: str,
    body: str,
    extra: dict | None,
) -> rendering.Rendered:
    rendering.validate(subject, body)
    context = rendering.context_for(complaint, language=language, extra=extra)
    return rendering.render(
        subject=subject if channel != Channel.SMS else "",
        body=body,
        context=context,
        language=language,
        html=channel == Channel.EMAIL,
    )


# ---------------------------------------------------------------------------------------------
# Handler's messages
# ---------------------------------------------------------------------------------------------


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
    template = _template(template)
    language = template.language if template is not None else _language_of(complaint)
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
    rendered = _render(
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
            message = _queue(
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
            summary = "\n\n".join(p for p in (rendered.subject, rendered.text) if p)
            message.communication = core.log_communication(
                complaint,
                by=by,
                medium=channel,
                direction=Communication.Direction.OUTBOUND,
                summary=summary,
                message_id=message.message_id,
            )
            message._history_user = by
            message.save(update_fields=["communication"])
    except IntegrityError:
        # The same submission raced itself (a double click on two connections).
        return Message.objects.get(complaint=complaint, event_key=event_key)
    return message


# ---------------------------------------------------------------------------------------------
# Automatic notices
# ---------------------------------------------------------------------------------------------


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
    language = _language_of(complaint)
    chosen = best_channel(complaint, allowed=channels)
    if chosen is None:
        gaps = channel_gaps(complaint)
        # In the documented order (``channels`` may be a set).
        allowed = [c.value for c in FALLBACK_ORDER if channels is None or c in channels]
        reason = " ".join(gaps[c] for c in allowed if c in gaps)
        channel = Channel.SMS if Channel.SMS in _recipients(complaint) else allowed[0]
        return _record(
            complaint,
            channel=channel,
            purpose=purpose,
            key=key,
            language=language,
            status=Message.Status.NOT_SENT,
            error=str(_("No way to reach the complainant: %(reason)s") % {"reason": reason}),
        )
    channel, recipient = chosen
    template = template_for(purpose, channel, language)
    if template is None:
        return _record(
            complaint,
            channel=channel,
            purpose=purpose,
            key=key,
            language=language,
            recipient=recipient,
            status=Message.Status.FAILED,
            error=(
                f"No active template for {purpose} by {channel} in {language} "
                f"or {settings.LANGUAGE_CODE}: add one in the admin, then retry."
            ),
        )
    extra = dict(extra or {})
    if purpose == Purpose.SURVEY and "survey_url" not in extra:
        from correspondence import survey

        extra["survey_url"] = survey.link_for(complaint)
    try:
        rendered = _render(
            complaint,
            channel=channel,
            language=template.language,
            subject=template.subject,
            body=template.body,
            extra=extra,
        )
    except ValidationError as exc:
        return _record(
            complaint,
            channel=channel,
            purpose=purpose,
            key=key,
            language=template.language,
            recipient=recipient,
            status=Message.Status.FAILED,
            error=f"The template {template.pk} does not render: {' '.join(exc.messages)}",
        )
    try:
        with transaction.atomic():
            return _queue(
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


def _record(
    complaint, *, channel, purpose, key, language, status, error, recipient=""
) -> Message | None:
    """A message that could not be queued, kept so the complaint page can say why."""
    log.info("message %s for complaint %s not queued: %s", purpose, complaint.pk, status)
    try:
        with transaction.atomic():
            return Message.objects.create(
                complaint=complaint,
                channel=channel,
                purpose=purpose,
                event_key=key,
                event_version=complaint.version,
                recipient=recipient,
                language=language,
                body="",
                status=status,
                last_error=error,
            )
    except IntegrityError:
        return Message.objects.filter(complaint=complaint, event_key=key).first()


def _queue(
    complaint: Complaint,
    *,
    channel: str,
    purpose: str,
    event_key: str,
    recipient: str,
    language: str,
    template: MessageTemplate | None,
    rendered: rendering.Rendered,
    urgent: bool,
    by,
) -> Message:
    now = timezone.now()
    send_after = policy.next_allowed(now, urgent=urgent) if channel == Channel.SMS else now
    message = Message(
        complaint=complaint,
        channel=channel,
        purpose=purpose,
        template=template,
        event_key=event_key,
        event_version=complaint.version,
        recipient=recipient,
        language=language,
        subject=rendered.subject[:300],
        body=rendered.text,
        body_html=rendered.html,
        urgent=urgent,
        send_after=send_after,
        created_by=by,
        created_at=now,
        # Known before the send, so a retry reuses it and the timeline entry carries it.
        message_id=_new_message_id() if channel == Channel.EMAIL else "",
    )
    message._history_user = by
    message.save(force_insert=True)
    _enqueue_after_commit(message)
    return message


def _new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or None
    return make_msgid(domain=domain)


def _enqueue_after_commit(message: Message) -> None:
    if message.send_after > timezone.now():
        return  # held (quiet hours, back-off): the dispatcher sends it when it is due
    pk = message.pk
    transaction.on_commit(lambda: enqueue(pk))


def enqueue(pk: int) -> None:
    from django_q.tasks import async_task

    # django-q2 reads its settings once at import; tests and a demo without a worker ask for
    # in-process execution per call through this setting.
    async_task(
        "correspondence.tasks.send_message",
        pk,
        sync=settings.REDRESS_TASKS_SYNC,
        task_name=f"message-{pk}",
    )


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
        if locked.status == Message.Status.SENDING and not _stale(locked):
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
        _enqueue_after_commit(locked)
    return locked


def _stale(message: Message) -> bool:
    return message.claimed_at is None or message.claimed_at < timezone.now() - CLAIM_TIMEOUT


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


# ---------------------------------------------------------------------------------------------
# Sending (the worker)
# ---------------------------------------------------------------------------------------------


def claim(pk: int) -> bool:
    """QUEUED and due → SENDING, one winner: the row count of the conditional UPDATE says who."""
    now = timezone.now()
    return bool(
        Message.objects.filter(pk=pk, status=Message.Status.QUEUED, send_after__lte=now).update(
            status=Message.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _error_text(exc: Exception, message: Message) -> str:
    # The gateway's words may repeat the number or address: keep them out of the record.
    text = f"{type(exc).__name__}: {exc}"
    if message.recipient:
        text = text.replace(message.recipient, "***")
    return text[:2000]


def send(pk: int) -> str:
    """Send the message ``pk`` if it is queued and due; once, whoever else tries.

    Email: our Message-ID, Reply-To the intake mailbox, In-Reply-To the complainant's first
    email. SMS: refused for an opted-out number (NOT_SENT), held again if quiet hours began
    since it was queued. Letter: rendered to PDF and attached, TO_POST. A failure waits
    (``BACKOFF``) and is tried again, up to MAX_ATTEMPTS; a permanent gateway refusal fails at
    once."""
    from correspondence.sms import SmsError

    if not claim(pk):
        return "nothing to send"
    message = Message.objects.select_related("complaint").get(pk=pk)
    now = timezone.now()
    try:
        if message.channel == Channel.SMS:
            if policy.opted_out(message.recipient):
                return _finish(
                    message,
                    Message.Status.NOT_SENT,
                    last_error=str(_("The complainant asked for no more text messages.")),
                )
            allowed = policy.next_allowed(now, urgent=message.urgent)
            if allowed > now:
                # Quiet hours began after it was queued (a retry, a late worker): hold it.
                message.status = Message.Status.QUEUED
                message.send_after = allowed
                message.attempts -= 1  # a hold is not an attempt
                message.claimed_at = None
                message.save(update_fields=["status", "send_after", "attempts", "claimed_at"])
                return "held until the quiet hours end"
            from correspondence import sms

            with translation.override(message.language):
                text = policy.compose(message.body, language=message.language)
            message.provider_id = sms.send(message.recipient, text)[:100]
        elif message.channel == Channel.EMAIL:
            from correspondence.email import build

            build(message).send()
        else:
            from correspondence import letters

            message.attachment = letters.store_letter(message, by=message.created_by)
    except Exception as exc:  # noqa: BLE001 - any failure of a gateway is recorded and retried
        message.refresh_from_db(fields=["attempts"])
        permanent = isinstance(exc, SmsError) and exc.permanent
        log.warning(
            "message %s (%s by %s) attempt %s failed: %s",
            message.pk,
            message.purpose,
            message.channel,
            message.attempts,
            type(exc).__name__,
        )
        if permanent or message.attempts >= MAX_ATTEMPTS:
            return _finish(message, Message.Status.FAILED, last_error=_error_text(exc, message))
        message.status = Message.Status.QUEUED
        message.send_after = timezone.now() + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        message.claimed_at = None
        message.last_error = _error_text(exc, message)
        message.save(update_fields=["status", "send_after", "claimed_at", "last_error"])
        return f"failed, next attempt at {message.send_after:%Y-%m-%d %H:%M}"
    # Outside the try: once the gateway took it, nothing may put it back in the queue. Should
    # this save fail, the row stays SENDING and the dispatcher hands it to a person.
    if message.channel == Channel.LETTER:
        return _finish(message, Message.Status.TO_POST)
    return _finish(message, Message.Status.SENT, sent_at=timezone.now())


def _finish(message: Message, status: str, *, last_error: str = "", sent_at=None) -> str:
    message.status = status
    message.last_error = last_error
    fields = ["status", "last_error", "provider_id", "attachment"]
    if sent_at is not None:
        message.sent_at = sent_at
        fields.append("sent_at")
    message.save(update_fields=fields)
    return status


def dispatch_due(limit: int = 500) -> str:
    """Send what is due (back-off over, quiet hours ended) and give up on rows a dead worker
    left in SENDING: they may have gone out, so they are FAILED for a person to check, never
    sent again by themselves."""
    now = timezone.now()
    stale = list(
        Message.objects.filter(
            status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
        ).values_list("pk", flat=True)[:limit]
    )
    given_up = 0
    for pk in stale:
        with translation.override(settings.LANGUAGE_CODE):
            error = str(STALE_CLAIM_ERROR)
        # Conditional again: the worker may have finished meanwhile.
        given_up += Message.objects.filter(
            pk=pk, status=Message.Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT
        ).update(status=Message.Status.FAILED, last_error=error)
    due = list(
        Message.objects.filter(status=Message.Status.QUEUED, send_after__lte=now)
        .order_by("send_after", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    results = [send(pk) for pk in due]
    sent = sum(1 for r in results if r in (Message.Status.SENT, Message.Status.TO_POST))
    return f"sent {sent} of {len(due)} due, gave up on {given_up} stuck"


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
    with translation.override(_language_of(complaint)):
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
