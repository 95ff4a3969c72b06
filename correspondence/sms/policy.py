"""The rules every text message follows, whichever gateway sends it.

INTERFACE CONTRACT (the outbox calls these; the SMS work refines them):

- ``compose(text, *, language) -> str``: the text as it goes out: the sender signature
  (REDRESS_SMS_SIGNATURE, 【...】 first in Chinese) and the opt-out hint.
- ``segments(text) -> int``: how many segments the gateway bills (70 characters a segment
  for Chinese/UCS-2, 67 each when concatenated; 160/153 for GSM-7).
- ``next_allowed(moment, *, urgent) -> datetime``: ``moment`` itself, or the end of the
  quiet hours (REDRESS_SMS_QUIET_HOURS, local time) when ``moment`` falls inside them and the
  message is not urgent.
- ``opted_out(phone) -> bool``: the number asked for no more messages (SmsOptOut).
- ``check_length(text, language) -> int``: the segments of the composed text; raises
  ValidationError (with the count) beyond REDRESS_SMS_MAX_SEGMENTS.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from correspondence.models import SmsOptOut
from correspondence.sms.receipts import phone_norm

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


# Characters of the GSM 03.38 extension table: each takes two septets (an escape and itself).
GSM7_EXTENSION = set("^{}\\[~]|€\f")

OPT_OUT_HINT_ZH = "回复TD退订"
OPT_OUT_HINT_EN = "Reply STOP to opt out"


def compose(text: str, *, language: str) -> str:
    """The text as the gateway receives it. Chinese carriers require the 【signature】 first;
    the opt-out hint is what 《通信短信息服务管理规定》 asks of every notice, and what lets a
    complainant stop them without phoning."""
    signature = settings.REDRESS_SMS_SIGNATURE
    text = text.strip()
    if language.startswith("zh"):
        head = f"【{signature}】" if signature else ""
        tail = "" if text.endswith(OPT_OUT_HINT_ZH) else f" {OPT_OUT_HINT_ZH}"
        return f"{head}{text}{tail}"
    head = f"[{signature}] " if signature else ""
    tail = "" if text.endswith(OPT_OUT_HINT_EN) else f" {OPT_OUT_HINT_EN}"
    return f"{head}{text}{tail}"


def segments(text: str) -> int:
    """Billed segments: GSM-7 text 160 septets alone or 153 each when concatenated (extension
    characters count twice); anything else is UCS-2, 70 or 67 each (a character outside the
    BMP, an emoji, counts twice)."""
    if all(ch in GSM7 or ch in GSM7_EXTENSION for ch in text):
        length = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
    else:
        length = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part = 70, 67
    if length <= single:
        return 1
    return -(-length // part)


def check_length(text: str, language: str) -> int:
    """The segments ``text`` costs once composed; refused beyond REDRESS_SMS_MAX_SEGMENTS (a
    long text arrives cut up or not at all on older phones, and each segment is billed)."""
    count = segments(compose(text, language=language))
    limit = settings.REDRESS_SMS_MAX_SEGMENTS
    if count > limit:
        raise ValidationError(
            _(
                "This text message would be sent as %(count)s segments; at most %(limit)s are "
                "allowed. Shorten it, or write by email or letter."
            )
            % {"count": count, "limit": limit},
            code="sms_too_long",
            params={"count": count, "limit": limit},
        )
    return count


def opted_out(phone: str) -> bool:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    candidates = {digits, phone_norm(phone)} - {""}
    if not candidates:
        return False
    return SmsOptOut.objects.filter(phone_norm__in=candidates).exists()


def next_allowed(moment: dt.datetime, *, urgent: bool) -> dt.datetime:
    """No text at night: the end of the quiet hours in local time (TIME_ZONE) when ``moment``
    falls inside them, else ``moment``. The window may cross midnight (21 → 8) or not (1 → 6);
    equal hours switch quiet hours off."""
    start, end = settings.REDRESS_SMS_QUIET_HOURS  # local hours, e.g. (21, 8)
    if urgent or start == end:
        return moment
    local = timezone.localtime(moment)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return moment
    day = local.date() if hour < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(end)), local.tzinfo)
