"""Prints messages to standard output (development)."""

from __future__ import annotations

import sys
import uuid

from correspondence.sms.base import BaseSmsBackend


class SmsBackend(BaseSmsBackend):
    def send(self, to: str, text: str) -> str:
        provider_id = f"console-{uuid.uuid4().hex[:12]}"
        sys.stdout.write(f"SMS to {to} [{provider_id}]\n{text}\n{'-' * 40}\n")
        sys.stdout.flush()
        return provider_id
