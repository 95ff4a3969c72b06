"""What the gateways report back: delivery reports and opt-outs (回复TD退订).

Gateways repeat a push they think went unanswered and may report twice, so each function is
idempotent: a report that changes nothing writes nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from complaints.locking import lock_all
from complaints.services import normalise_phone
from correspondence.models import Channel, Message, SmsOptOut
from correspondence.sms.http import clean_text

# What a complainant sends back to stop the messages. Compared after trimming and upper-casing.
OPT_OUT_WORDS = {"TD", "T", "退订", "STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}


def record(provider_id: str, delivered: bool, error: str = "") -> Message | None:
    """Mark the SMS the gateway knows as ``provider_id`` delivered (with the time) or failed
    (with the gateway's reason). Unknown ids are ignored (a message of another system on the
    same account, or a report that outran the worker's save). A message already delivered
    stays delivered: a later failure report for it is the gateway's confusion, not news.
    History: one row on the Message when its status changes."""
    provider_id = clean_text(provider_id, 100).strip()
    if not provider_id:
        return None
    with transaction.atomic():
        # Locked with its filter (``provider_id`` is not a unique column: more than one row
        # may match): two reports for one message apply one after the other. The report is
        # taken to be for the newest of them, as the outbox lists them.
        rows = lock_all(Message.objects.filter(channel=Channel.SMS, provider_id=provider_id))
        message = max(rows, key=lambda m: (m.created_at, m.pk), default=None)
        if message is None or message.status == Message.Status.DELIVERED:
            return message
        if delivered:
            message.status = Message.Status.DELIVERED
            message.delivered_at = timezone.now()
            fields = ["status", "delivered_at"]
        else:
            error = (
                clean_text(error, 500).strip() or "The gateway reported the message undelivered."
            )
            if message.status == Message.Status.FAILED and message.last_error == error:
                return message
            message.status = Message.Status.FAILED
            message.last_error = error
            fields = ["status", "last_error"]
        message._history_transition = "delivery_report"
        message.save(update_fields=fields)
    return message


def phone_norm(phone: str) -> str:
    """Digits only, keyed like ``Complaint.complainant_phone_norm`` (a mainland number
    reported with +86 or 0086 is the number complainants write without it)."""
    digits = "".join(ch for ch in phone or "" if ch in "0123456789")
    if digits.startswith("00"):
        digits = digits[2:]
    return normalise_phone(digits)[:40]


def is_opt_out(text: str) -> bool:
    return (text or "").strip().strip("。.!！").upper() in OPT_OUT_WORDS


def opt_out(phone: str, *, source: str) -> SmsOptOut | None:
    """Record that ``phone`` wants no more text messages. Idempotent."""
    norm = phone_norm(phone)
    if not norm:
        return None
    opt, _created = SmsOptOut.objects.get_or_create(
        phone_norm=norm, defaults={"source": clean_text(source, 100)}
    )
    return opt
