"""The outbox: a message is queued as a ``Message`` row, and a worker sends it.

The send is a django-q2 task queued after commit (``correspondence.tasks.send_message``); it
claims the row with a conditional UPDATE, so a task that runs twice, or two workers, send once.
A failure waits (``BACKOFF``) and is tried again. A message that may have gone out when a
worker died is never sent again automatically (``dispatch_due`` hands it to a person).
"""

from __future__ import annotations

import datetime as dt
import logging
from email.utils import make_msgid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from correspondence import rendering
from correspondence.models import Channel, Message, MessageTemplate
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


# ---------------------------------------------------------------------------------------------
# Queueing
# ---------------------------------------------------------------------------------------------


def queue(
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
    """The rendered message as a QUEUED row (a text message held out of quiet hours unless
    urgent); its send is queued after commit. Inside the caller's transaction."""
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
    enqueue_after_commit(message)
    return message


def _new_message_id() -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or None
    return make_msgid(domain=domain)


def enqueue_after_commit(message: Message) -> None:
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


def record_unsent(
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


def is_stale(message: Message) -> bool:
    """Left in SENDING by a worker that died (or never claimed)."""
    return message.claimed_at is None or message.claimed_at < timezone.now() - CLAIM_TIMEOUT


def send(pk: int) -> str:
    """Send the message ``pk`` if it is queued and due; once, whoever else tries.

    Email: our Message-ID, Reply-To the intake mailbox, In-Reply-To the complainant's first
    email. SMS: refused for an opted-out number (NOT_SENT), held again if quiet hours began
    since it was queued. Letter: rendered to PDF and attached, TO_POST. A failure waits
    (``BACKOFF``) and is tried again, up to MAX_ATTEMPTS; a permanent gateway refusal fails at
    once."""
    if not claim(pk):
        return "nothing to send"
    message = Message.objects.select_related("complaint").get(pk=pk)
    try:
        stopped = _hand_over(message)
    except Exception as exc:  # noqa: BLE001 - any failure of a gateway is recorded and retried
        return _after_failure(message, exc)
    if stopped is not None:
        return stopped
    # Outside the try: once the gateway took it, nothing may put it back in the queue. Should
    # this save fail, the row stays SENDING and the dispatcher hands it to a person.
    if message.channel == Channel.LETTER:
        return _finish(message, Message.Status.TO_POST)  # store_letter saved the attachment
    also = ["provider_id"] if message.channel == Channel.SMS else []
    return _finish(message, Message.Status.SENT, sent_at=timezone.now(), also=also)


def _hand_over(message: Message) -> str | None:
    """Give the claimed message to its channel. None when it was taken; else the outcome of a
    text message that may not go now (opted out, quiet hours)."""
    if message.channel == Channel.SMS:
        return _send_sms(message)
    if message.channel == Channel.EMAIL:
        from correspondence.email import build

        build(message).send()
    else:
        from correspondence import letters

        message.attachment = letters.store_letter(message, by=message.created_by)
    return None


def _send_sms(message: Message) -> str | None:
    from correspondence import sms

    if policy.opted_out(message.recipient):
        return _finish(
            message,
            Message.Status.NOT_SENT,
            last_error=str(_("The complainant asked for no more text messages.")),
        )
    now = timezone.now()
    allowed = policy.next_allowed(now, urgent=message.urgent)
    if allowed > now:
        # Quiet hours began after it was queued (a retry, a late worker): hold it.
        message.status = Message.Status.QUEUED
        message.send_after = allowed
        message.attempts -= 1  # a hold is not an attempt
        message.claimed_at = None
        message.save(update_fields=["status", "send_after", "attempts", "claimed_at"])
        return "held until the quiet hours end"
    with translation.override(message.language):
        text = policy.compose(message.body, language=message.language)
    message.provider_id = sms.send(message.recipient, text)[:100]
    return None


def _after_failure(message: Message, exc: Exception) -> str:
    """A failed attempt: FAILED for good (a permanent refusal, the last attempt), else queued
    again after the back-off."""
    from correspondence.sms import SmsError

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


def _error_text(exc: Exception, message: Message) -> str:
    # The gateway's words may repeat the number or address: keep them out of the record.
    text = f"{type(exc).__name__}: {exc}"
    if message.recipient:
        text = text.replace(message.recipient, "***")
    return text[:2000]


def _finish(message: Message, status: str, *, last_error: str = "", sent_at=None, also=()) -> str:
    """The attempt's outcome. Only the columns this attempt changed are written (``also``:
    the gateway's id of an SMS just handed over); the letter's attachment is saved by
    ``letters.store_letter`` under its own lock."""
    message.status = status
    message.last_error = last_error
    fields = ["status", "last_error", *also]
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
