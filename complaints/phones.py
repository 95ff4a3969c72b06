"""Phone numbers as complainants give them: mainland mobile and landline numbers, and
international numbers in E.164.

INTERFACE CONTRACT (the outbox and the forms call these):

- ``validate_phone(raw) -> None``: raises ValidationError with a clear message unless ``raw``
  is a mainland mobile number (11 digits from 13–19, optionally +86/0086), a mainland landline
  with its area code (010-12345678, 0755 1234 5678), or an international number starting with
  + or 00 that Google's libphonenumber metadata knows as valid; each may end with an
  extension ("转 8001", "ext. 12").
- ``clean_phone(raw) -> str``: ``validate_phone``, then the number as typed but in half-width
  characters (what the forms store).
- ``sms_number(raw) -> str``: the number in E.164 if it can receive text messages (a mobile
  number), else "" (a landline, nothing, or something invalid).

Mainland numbers are matched by pattern rather than by the metadata: a number range the
carriers opened last month must not be refused at the counter.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_SEPARATORS = re.compile(r"[\s\-().]")
_MAINLAND_MOBILE = re.compile(r"(?:\+86|0086|86)?(1[3-9]\d{9})", re.ASCII)
# 010 and 02x take 8-digit local numbers; the 3-digit area codes 7 or 8 digits.
_MAINLAND_LANDLINE = re.compile(r"(?:\+86|0086)?0?(?:(?:10|2\d)\d{8}|[3-9]\d{2}\d{7,8})", re.ASCII)
_INTERNATIONAL = re.compile(r"(?:\+|00)([1-9]\d{6,14})", re.ASCII)
# An extension after the number: "0755 1234 5678 转 8001", "+44 20 7946 0958 ext. 12".
_EXTENSION = re.compile(r"(.+?)\s*(?:转|分机|ext\.?|x|#)\s*\d{1,6}", re.ASCII | re.IGNORECASE)
_SMS_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def _compact(raw: str) -> tuple[str, bool]:
    """The number without separators or extension, and whether an extension was given."""
    # NFKC: a Chinese input method types full-width digits and signs (１３８, ＋, （）).
    value = unicodedata.normalize("NFKC", raw or "").strip()
    extension = _EXTENSION.fullmatch(value)
    if extension:
        value = extension.group(1)
    return _SEPARATORS.sub("", value), extension is not None


def _international(value: str) -> phonenumbers.PhoneNumber | None:
    """A valid number given with its country code (+44…, 0044…), else None."""
    match = _INTERNATIONAL.fullmatch(value)
    if match is None:
        return None
    try:
        number = phonenumbers.parse("+" + match.group(1), None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def _is_landline(value: str) -> bool:
    # A landline is written with its leading 0 (010-…), or with +86/0086 and no 0.
    return bool(
        (value.startswith("0") or value.startswith("+86")) and _MAINLAND_LANDLINE.fullmatch(value)
    )


def validate_phone(raw: str) -> None:
    value, _extension = _compact(raw)
    if not value:
        return
    if _MAINLAND_MOBILE.fullmatch(value) or _is_landline(value) or _international(value):
        return
    raise ValidationError(
        _(
            "Enter a mainland mobile number (11 digits, e.g. 138 0013 8000), a landline with its "
            "area code (e.g. 010-12345678), or an international number starting with + "
            "(e.g. +44 20 7946 0958)."
        ),
        code="invalid_phone",
    )


def clean_phone(raw: str) -> str:
    """The number as the complainant gave it, checked, in half-width characters: full-width
    digits typed by an input method would otherwise never match the same number typed plainly
    (searches, repeat detection, opt-outs)."""
    validate_phone(raw)
    return " ".join(unicodedata.normalize("NFKC", raw or "").split())


def sms_number(raw: str) -> str:
    value, extension = _compact(raw)
    if extension:
        return ""  # a switchboard: a text cannot reach the extension
    mobile = _MAINLAND_MOBILE.fullmatch(value)
    if mobile:
        return "+86" + mobile.group(1)
    number = _international(value)
    if number is None or number.country_code == 86:
        # A +86 number that is not a mobile number is a landline.
        return ""
    if phonenumbers.number_type(number) not in _SMS_TYPES:
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
