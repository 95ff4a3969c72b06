"""Phone numbers as complainants give them: which are accepted, and which can take SMS."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from complaints.phones import clean_phone, sms_number, validate_phone


@pytest.fixture(autouse=True)
def english():
    # The messages are quoted in English; the Chinese catalogue has them too.
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    ("raw", "sms"),
    [
        ("13800138000", "+8613800138000"),
        ("138 0013 8000", "+8613800138000"),
        ("138-0013-8000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 138 0013 8000", "+8613800138000"),
        ("１３８ ００１３ ８０００", "+8613800138000"),  # full-width, from a Chinese input method
        ("19912345678", "+8619912345678"),
        ("010-12345678", ""),
        ("(010) 1234 5678", ""),
        ("0755 1234 5678", ""),
        ("0311-1234567", ""),
        ("+86 10 1234 5678", ""),
        ("+44 20 7946 0958", ""),  # a London landline: valid, but no text messages
        ("+44 7911 123456", "+447911123456"),
        ("0044 7911 123456", "+447911123456"),
        ("＋44 7911 123456", "+447911123456"),
        ("+1 201 555 0123", "+12015550123"),  # North America: fixed line or mobile
        ("+852 5123 4567", "+85251234567"),
    ],
)
def test_accepted_numbers_and_the_number_a_text_goes_to(raw, sms):
    validate_phone(raw)
    assert sms_number(raw) == sms


@pytest.mark.parametrize(
    "raw",
    [
        "12345",
        "12345678",  # a landline without its area code
        "1380013800",  # a mobile number one digit short
        "138001380001",
        "11012345678",  # no mobile range starts 11
        "+8612345678",
        "+44 12",
        "+999 1234 5678",  # no such country code
        "tel: 138",
        "13٨00138000",  # an Arabic-Indic digit inside
        "call me",
    ],
)
def test_other_numbers_are_refused_with_a_message_naming_the_accepted_forms(raw):
    with pytest.raises(ValidationError) as error:
        validate_phone(raw)
    message = error.value.messages[0]
    assert "mainland mobile" in message and "area code" in message and "+" in message
    assert sms_number(raw) == ""


@pytest.mark.parametrize(
    "raw",
    [
        "13912345678 转 8001",
        "0755 1234 5678转8001",
        "010-12345678 分机 12",
        "+44 20 7946 0958 ext. 12",
    ],
)
def test_a_number_with_an_extension_is_accepted_but_takes_no_text_messages(raw):
    validate_phone(raw)
    assert sms_number(raw) == ""


def test_an_extension_alone_is_no_number():
    with pytest.raises(ValidationError):
        validate_phone("转 8001")


def test_an_empty_number_is_no_error_and_no_sms_number():
    validate_phone("")
    validate_phone("   ")
    assert sms_number("") == ""


def test_clean_phone_keeps_the_complainants_spacing_in_half_width_characters():
    assert clean_phone(" １３８ ００１３  ８０００ ") == "138 0013 8000"
    assert clean_phone("+86 138-0013-8000") == "+86 138-0013-8000"
    with pytest.raises(ValidationError):
        clean_phone("12345")


def test_the_message_is_in_chinese_for_chinese_users():
    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as error:
            validate_phone("12345")
        assert "大陆手机号码" in error.value.messages[0]
