"""Text messages through a pluggable gateway, chosen like Django's EMAIL_BACKEND.

``REDRESS_SMS_BACKEND`` names a class with ``send(to, text) -> str`` (the gateway's id of the
message). ``console`` prints, ``locmem`` keeps messages in ``outbox`` for tests; ``aliyun``,
``tencent`` and ``twilio`` talk to the real providers' HTTP APIs. What the gateways report back
(delivery, opt-outs) arrives through ``views`` and is recorded by ``receipts``.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from correspondence.sms.base import BaseSmsBackend, SmsError, SmsMessage

__all__ = ["BaseSmsBackend", "SmsError", "SmsMessage", "get_backend", "outbox", "send"]

# The locmem backend's sent messages (tests read and clear it, like django.core.mail.outbox).
outbox: list[SmsMessage] = []


def get_backend(path: str | None = None) -> BaseSmsBackend:
    return import_string(path or settings.REDRESS_SMS_BACKEND)()


def send(to: str, text: str) -> str:
    """Send ``text`` to the E.164 number ``to``; returns the gateway's id of the message.

    Raises SmsError (``permanent=True`` when retrying cannot help: a bad number, a refused
    template, an account without credit)."""
    return get_backend().send(to, text)
