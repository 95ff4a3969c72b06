"""Phone numbers as complainants give them: mainland mobile and landline numbers, and
international numbers in E.164.

INTERFACE CONTRACT (the SMS work refines the rules; the outbox and the forms call these):

- ``validate_phone(raw) -> None``: raises ValidationError with a clear message unless ``raw``
  is a mainland mobile number (11 digits from 13–19, optionally +86/0086), a mainland landline
  with its area code (010-12345678, 0755 1234 5678), or an E.164 number (+ and 7–15 digits).
- ``sms_number(raw) -> str``: the number in E.164 if it can receive text messages (a mobile
  number), else "" (a landline, nothing, or something invalid).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})")
_MAINLAND_LANDLINE = re.compile(r"(?:\+86|0086)?0?([1-9]\d{1,2})(\d{7,8})")
_E164 = re.compile(r"\+([1-9]\d{6,14})")


def _compact(raw: str) -> str:
    return _SEPARATORS.sub("", raw or "")


def validate_phone(raw: str) -> None:
    value = _compact(raw)
    if not value:
        return
    if (
        _MAINLAND_MOBILE.fullmatch(value)
        or (value.startswith("0") and _MAINLAND_LANDLINE.fullmatch(value))
        or _E164.fullmatch(value)
    ):
        return
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits, e.g. 138 0013 8000), a landline with its "
            "area code (e.g. 010-12345678), or an international number starting with + "
            "(e.g. +44 20 7946 0958)."
        ),
        code="invalid_phone",
    )


def sms_number(raw: str) -> str:
    value = _compact(raw)
    mobile = _MAINLAND_MOBILE.fullmatch(value)
    if mobile:
        return "+86" + mobile.group(1)
    if _E164.fullmatch(value) and not value.startswith("+86"):
        return value
    return ""
