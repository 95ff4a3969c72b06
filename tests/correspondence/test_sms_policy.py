"""The rules every text message follows: signature, opt-out hint, segments, length limit, quiet
hours and opt-outs."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from correspondence.models import SmsOptOut
from correspondence.sms import policy

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def english():
    # The messages are quoted in English; the Chinese catalogue has them too.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def sms_settings(settings):
    settings.REDRESS_SMS_SIGNATURE = "城市热线"
    settings.REDRESS_SMS_QUIET_HOURS = (21, 8)
    settings.REDRESS_SMS_MAX_SEGMENTS = 3
    settings.TIME_ZONE = "Asia/Shanghai"
    return settings


# --- signature and opt-out hint ---------------------------------------------------------------


def test_a_chinese_text_starts_with_the_signature_in_brackets_and_ends_with_the_opt_out_hint():
    text = policy.compose("您的投诉C-2026-000123已受理。", language="zh-hans")
    assert text == "【城市热线】您的投诉C-2026-000123已受理。 回复TD退订"


def test_an_english_text_carries_the_signature_and_the_stop_hint():
    text = policy.compose("Your complaint was accepted.", language="en")
    assert text == "[城市热线] Your complaint was accepted. Reply STOP to opt out"


def test_the_opt_out_hint_is_not_added_twice(settings):
    settings.REDRESS_SMS_SIGNATURE = ""
    assert policy.compose("已受理 回复TD退订", language="zh-hans") == "已受理 回复TD退订"


# --- segments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # extension characters take two septets each
        ("{" * 81, 2),
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("a" * 69 + "中", 1),  # one Chinese character makes the whole text UCS-2
        ("a" * 70 + "中", 2),
        ("😀" * 35, 1),  # outside the BMP: two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments_follow_gsm7_and_ucs2_sizes(text, count):
    assert policy.segments(text) == count


def test_check_length_counts_the_composed_text_and_refuses_more_than_the_limit():
    # Signature (6) + hint (7) leave 201 - 13 = 188 characters for three UCS-2 segments.
    assert policy.check_length("中" * 188, language="zh-hans") == 3
    with pytest.raises(ValidationError) as error:
        policy.check_length("中" * 189, language="zh-hans")
    assert error.value.params == {"count": 4, "limit": 3}
    assert "4 segments" in error.value.messages[0]
    assert "at most 3" in error.value.messages[0]


def test_the_segment_limit_is_a_setting(settings):
    settings.REDRESS_SMS_MAX_SEGMENTS = 1
    assert policy.check_length("已受理", language="zh-hans") == 1
    with pytest.raises(ValidationError):
        policy.check_length("中" * 60, language="zh-hans")


# --- quiet hours ------------------------------------------------------------------------------


def at(hour: int, minute: int = 0, day: int = 7, tz=SHANGHAI) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=tz)


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(23, 30), at(8, 0, day=8)),  # late evening: tomorrow morning
        (at(0, 30), at(8, 0)),  # after midnight: this morning
        (at(21, 0), at(8, 0, day=8)),  # the first quiet minute
        (at(20, 59), at(20, 59)),  # the last minute before
        (at(7, 59), at(8, 0)),  # the last quiet minute
        (at(8, 0), at(8, 0)),  # quiet hours are over
        (at(12, 0), at(12, 0)),
    ],
)
def test_a_text_in_the_quiet_hours_waits_for_the_morning_in_shanghai(moment, allowed):
    with time_machine.travel(moment, tick=False):
        assert policy.next_allowed(timezone.now(), urgent=False) == allowed


def test_an_urgent_text_goes_at_night():
    with time_machine.travel(at(23, 30), tick=False):
        assert policy.next_allowed(timezone.now(), urgent=True) == at(23, 30)


def test_quiet_hours_follow_the_local_zone_of_another_site(settings):
    # London, 22:00 to 06:00: 23:30 in Shanghai is 15:30 in London, so it goes at once; 06:30
    # in Shanghai is 22:30 in London, so it waits until 06:00 London time.
    settings.TIME_ZONE = "Europe/London"
    settings.REDRESS_SMS_QUIET_HOURS = (22, 6)
    london = zoneinfo.ZoneInfo("Europe/London")
    with timezone.override(london):
        assert policy.next_allowed(at(23, 30), urgent=False) == at(23, 30)
        assert policy.next_allowed(at(6, 30, day=8), urgent=False) == dt.datetime(
            2026, 12, 8, 6, 0, tzinfo=london
        )
        assert policy.next_allowed(at(13, 59, day=8), urgent=False) == dt.datetime(
            2026, 12, 8, 6, 0, tzinfo=london
        )  # 05:59 in London


def test_a_window_that_does_not_cross_midnight(settings):
    settings.REDRESS_SMS_QUIET_HOURS = (1, 6)
    assert policy.next_allowed(at(0, 30), urgent=False) == at(0, 30)
    assert policy.next_allowed(at(1, 0), urgent=False) == at(6, 0)
    assert policy.next_allowed(at(5, 59), urgent=False) == at(6, 0)
    assert policy.next_allowed(at(23, 30), urgent=False) == at(23, 30)


def test_equal_start_and_end_switch_quiet_hours_off(settings):
    settings.REDRESS_SMS_QUIET_HOURS = (0, 0)
    assert policy.next_allowed(at(3, 0), urgent=False) == at(3, 0)


# --- opt-outs ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "written", ["13800138000", "+8613800138000", "138 0013 8000", "0086 138 0013 8000"]
)
def test_an_opted_out_number_is_found_however_it_is_written(written):
    SmsOptOut.objects.create(phone_norm="13800138000")
    assert policy.opted_out(written)
    assert not policy.opted_out("13900139000")
    assert not policy.opted_out("")
