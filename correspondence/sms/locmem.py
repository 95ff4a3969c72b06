"""Keeps messages in ``correspondence.sms.outbox`` (tests)."""

from __future__ import annotations

import uuid

from correspondence import sms
from correspondence.sms.base import BaseSmsBackend, SmsMessage


class SmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        provider_id = f"locmem-{uuid.uuid4().hex[:12]}"
        sms.outbox.append(SmsMessage(to=to, text=text, provider_id=provider_id))
        return provider_id
