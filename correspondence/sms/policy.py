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
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from correspondence.models import SmsOptOut

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


def compose(text: str, *, language: str) -> str:
    signature = settings.REDRESS_SMS_SIGNATURE
    if language.startswith("zh"):
        head = f"【{signature}】" if signature else ""
        return f"{head}{text} 回复TD退订"
    head = f"[{signature}] " if signature else ""
    return f"{head}{text} Reply STOP to opt out"


def segments(text: str) -> int:
    if all(ch in GSM7 for ch in text):
        single, part = 160, 153
    else:
        single, part = 70, 67
    if len(text) <= single:
        return 1
    return -(-len(text) // part)


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def opted_out(phone: str) -> bool:
    digits = _digits(phone)
    candidates = {digits}
    if digits.startswith("86") and len(digits) == 13:
        candidates.add(digits[2:])
    return SmsOptOut.objects.filter(phone_norm__in=candidates).exists()


def next_allowed(moment: dt.datetime, *, urgent: bool) -> dt.datetime:
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
