"""The one way the gateway backends talk HTTP: a form POST with a timeout, JSON back.

Standard library only (``urllib``), so no provider SDK is needed. Nothing here logs the
request: it carries the complainant's number and the text.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from correspondence.sms.base import SmsError

# A gateway's answer is a small JSON object; anything bigger is not one.
MAX_ANSWER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any  # the decoded JSON, or None when the body was not JSON


def post_form(url: str, fields: dict[str, str], *, headers: dict[str, str] | None = None) -> Answer:
    """POST ``fields`` form-encoded to ``url``."""
    body = urllib.parse.urlencode(fields).encode()
    content_type = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    return post(url, body, headers={**content_type, **(headers or {})})


def post(url: str, body: bytes, *, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url``. An HTTP error status is an Answer too (the caller reads the
    gateway's error code from it); no answer at all is a transient SmsError."""
    if not url.startswith(("https://", "http://")):
        # urlopen would also open file:// and ftp:// URLs; a misconfigured endpoint must not.
        raise SmsError("The SMS gateway endpoint must be an http(s) URL.", permanent=True)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url, data=body, method="POST", headers={"Accept": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.REDRESS_SMS_TIMEOUT) as response:  # noqa: S310 - checked above
            return Answer(response.status, _json(response.read(MAX_ANSWER_BYTES)))
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, _json(error.read(MAX_ANSWER_BYTES)))
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        # The reason names the host or the timeout, never the number or the text.
        reason = getattr(error, "reason", error)
        raise SmsError(f"The SMS gateway did not answer: {reason}") from None


_LONG_NUMBER = re.compile(r"\+?\d{7,}")


def clean_text(value: object, limit: int) -> str:
    """Text from a gateway made storable: no NUL and no lone surrogate (PostgreSQL refuses
    both, which would turn a hostile push into a 500)."""
    text = str(value if value is not None else "").replace("\x00", "")
    return text.encode("utf-8", "replace").decode("utf-8")[:limit]


def scrub(message: str) -> str:
    """A gateway's error text without any phone number in it (Twilio's name the "To" number):
    it is stored as the message's last error and shown to staff."""
    return clean_text(_LONG_NUMBER.sub("…", message), 200)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
