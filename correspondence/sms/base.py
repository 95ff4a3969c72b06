from __future__ import annotations

from dataclasses import dataclass


class SmsError(Exception):
    """The gateway refused or could not take the message. ``permanent``: retrying cannot help."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmsMessage:
    to: str
    text: str
    provider_id: str


class BaseSmsBackend:
    def send(self, to: str, text: str) -> str:
        raise NotImplementedError
