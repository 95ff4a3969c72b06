"""Deadline arithmetic on a working-day calendar: a pure function, no database (except the last
tests, which read the calendar the migration seeded)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
import pytest

from escalation.calendar import (
    CalendarError,
    DayKind,
    Unit,
    WorkingCalendar,
    shift_for_pauses,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def china_2026() -> WorkingCalendar:
    """The 2026 national calendar from the holidays package: Spring Festival 16-23 February with
    Saturday 14 and Saturday 28 February worked; National Day 1-7 October with Sunday 20
    September and Saturday 10 October worked."""
    cn = holidays.country_holidays("CN", years=[2026])
    days = {day: DayKind.HOLIDAY for day in cn}
    days.update({day: DayKind.WORKDAY for day in cn.weekend_workdays if day.year == 2026})
    return WorkingCalendar(tz=SHANGHAI, days=days)


def wall(moment: dt.datetime, tz: ZoneInfo) -> tuple[int, ...]:
    """The local wall-clock reading (year, month, day, hour, minute) of an instant."""
    return moment.astimezone(tz).timetuple()[:5]


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def test_the_package_knows_the_2026_moved_working_days_these_tests_rely_on():
    cn = holidays.country_holidays("CN", years=[2026])
    assert {dt.date(2026, 2, 14), dt.date(2026, 2, 28), dt.date(2026, 10, 10)} <= set(
        cn.weekend_workdays
    )
    assert dt.date(2026, 2, 17) in cn and dt.date(2026, 10, 1) in cn


def test_three_working_days_from_a_friday_end_on_wednesday_at_close_of_business():
    cal = WorkingCalendar(tz=SHANGHAI)
    # 民法典 art. 201: the day of receipt does not count; art. 203: ends at close of business.
    assert cal.add(sh(2026, 3, 6, 10, 0), 3, Unit.WORKING_DAYS) == sh(2026, 3, 11, 18, 0)


def test_a_moved_working_day_counts_and_the_spring_festival_does_not():
    cal = china_2026()
    friday = sh(2026, 2, 13, 10, 0)
    # Saturday 14 February is worked (调休): it is the first working day.
    assert cal.add(friday, 1, Unit.WORKING_DAYS) == sh(2026, 2, 14, 18, 0)
    # Then 15 (Sunday), 16-20 (holiday), 21-22 (weekend), 23 (holiday): the second is the 24th.
    assert cal.add(friday, 2, Unit.WORKING_DAYS) == sh(2026, 2, 24, 18, 0)


def test_national_day_week_is_skipped_and_the_saturday_after_it_is_worked():
    cal = china_2026()
    received = sh(2026, 9, 30, 15, 0)
    # 1-7 October off; Thursday 8, Friday 9 and the moved working Saturday 10 October count.
    assert cal.add(received, 3, Unit.WORKING_DAYS) == sh(2026, 10, 10, 18, 0)
    assert cal.add(received, 4, Unit.WORKING_DAYS) == sh(2026, 10, 12, 18, 0)


def test_working_hours_continue_on_a_moved_working_saturday():
    cal = china_2026()
    assert cal.add(sh(2026, 2, 13, 17, 0), 2, Unit.WORKING_HOURS) == sh(2026, 2, 14, 10, 0)


def test_working_hours_skip_nights_weekends_and_holidays():
    cal = china_2026()
    # Thursday 1 January is a holiday, Friday 2 January a day off, Sunday 4 January worked.
    assert cal.add(sh(2025, 12, 31, 17, 0), 3, Unit.WORKING_HOURS) == sh(2026, 1, 4, 11, 0)
    # Friday evening to Monday morning: a normal weekend.
    assert cal.add(sh(2026, 3, 6, 16, 0), 4, Unit.WORKING_HOURS) == sh(2026, 3, 9, 11, 0)


def test_a_deadline_that_falls_at_closing_time_stays_at_closing_time():
    cal = WorkingCalendar(tz=SHANGHAI)
    assert cal.add(sh(2026, 3, 2, 17, 0), 1, Unit.WORKING_HOURS) == sh(2026, 3, 2, 18, 0)


def test_working_time_starts_at_opening_when_the_clock_starts_before_it():
    cal = WorkingCalendar(tz=SHANGHAI)
    assert cal.add(sh(2026, 3, 2, 7, 0), 1, Unit.WORKING_HOURS) == sh(2026, 3, 2, 10, 0)
    assert cal.add(sh(2026, 3, 7, 12, 0), 1, Unit.WORKING_HOURS) == sh(2026, 3, 9, 10, 0)


def test_an_organisation_closure_is_not_a_working_day():
    cal = WorkingCalendar(tz=SHANGHAI, days={dt.date(2026, 3, 3): DayKind.CLOSURE})
    assert not cal.is_working_day(dt.date(2026, 3, 3))
    assert cal.add(sh(2026, 3, 2, 17, 0), 2, Unit.WORKING_HOURS) == sh(2026, 3, 4, 10, 0)
    assert cal.add(sh(2026, 3, 2, 10, 0), 1, Unit.WORKING_DAYS) == sh(2026, 3, 4, 18, 0)


def test_results_are_the_same_instant_whatever_zone_the_start_is_given_in():
    cal = WorkingCalendar(tz=SHANGHAI)
    start_utc = dt.datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    due = cal.add(start_utc, 1, Unit.WORKING_HOURS)
    assert due == sh(2026, 3, 2, 10, 0)
    assert due.utcoffset() == dt.timedelta(0)


def test_minutes_and_hours_are_elapsed_time_across_a_dst_change():
    cal = WorkingCalendar(tz=NEW_YORK)
    before_jump = dt.datetime(2026, 3, 8, 1, 30, tzinfo=NEW_YORK)  # EST; clocks jump at 02:00
    due = cal.add(before_jump, 1, Unit.HOURS)
    assert wall(due, NEW_YORK) == (2026, 3, 8, 3, 30)
    assert due - before_jump == dt.timedelta(hours=1)
    assert cal.add(before_jump, 90, Unit.MINUTES) - before_jump == dt.timedelta(minutes=90)


def test_a_calendar_day_across_the_spring_dst_change_is_23_hours_long():
    cal = WorkingCalendar(tz=NEW_YORK)
    saturday_noon = dt.datetime(2026, 3, 7, 12, 0, tzinfo=NEW_YORK)
    due = cal.add(saturday_noon, 1, Unit.DAYS)
    assert wall(due, NEW_YORK) == (2026, 3, 8, 12, 0)
    assert due - saturday_noon == dt.timedelta(hours=23)


def test_a_calendar_day_across_the_autumn_dst_change_is_25_hours_long():
    cal = WorkingCalendar(tz=LONDON)
    saturday_noon = dt.datetime(2026, 10, 24, 12, 0, tzinfo=LONDON)
    due = cal.add(saturday_noon, 1, Unit.DAYS)
    assert wall(due, LONDON) == (2026, 10, 25, 12, 0)
    assert due - saturday_noon == dt.timedelta(hours=25)


def test_a_local_time_skipped_by_dst_moves_forward_by_the_gap():
    cal = WorkingCalendar(tz=NEW_YORK)
    due = cal.add(dt.datetime(2026, 3, 7, 2, 30, tzinfo=NEW_YORK), 1, Unit.DAYS)
    assert wall(due, NEW_YORK) == (2026, 3, 8, 3, 30)


def test_working_hours_across_a_dst_weekend_count_local_business_hours():
    cal = WorkingCalendar(tz=LONDON)
    friday = dt.datetime(2026, 3, 27, 17, 0, tzinfo=LONDON)  # GMT; BST from Sunday 29 March
    due = cal.add(friday, 2, Unit.WORKING_HOURS)
    assert wall(due, LONDON) == (2026, 3, 30, 10, 0)
    assert due == dt.datetime(2026, 3, 30, 9, 0, tzinfo=UTC)


def test_working_time_between_counts_only_business_hours():
    cal = china_2026()
    assert cal.working_time_between(sh(2026, 3, 6, 17, 0), sh(2026, 3, 9, 10, 0)) == dt.timedelta(
        hours=2
    )
    # The whole Spring Festival break costs nothing but the last hour of Friday 13 February.
    assert cal.working_time_between(sh(2026, 2, 14, 18, 0), sh(2026, 2, 24, 9, 0)) == dt.timedelta(
        0
    )
    assert cal.working_time_between(sh(2026, 3, 9, 10, 0), sh(2026, 3, 6, 17, 0)) == dt.timedelta(0)


def test_a_pause_over_a_weekend_moves_a_working_time_deadline_by_nothing():
    cal = WorkingCalendar(tz=SHANGHAI)
    deadline = sh(2026, 3, 9, 18, 0)
    paused = (sh(2026, 3, 7, 10, 0), sh(2026, 3, 8, 20, 0))
    assert cal.shift(deadline, *paused, Unit.WORKING_DAYS) == deadline
    assert cal.shift(deadline, *paused, Unit.HOURS) == deadline + dt.timedelta(hours=34)


def test_a_pause_on_working_time_moves_the_deadline_by_the_business_time_it_covered():
    cal = WorkingCalendar(tz=SHANGHAI)
    deadline = sh(2026, 3, 4, 18, 0)
    # Paused Monday 16:00 to Tuesday 11:00: 2 + 2 business hours.
    moved = cal.shift(deadline, sh(2026, 3, 2, 16, 0), sh(2026, 3, 3, 11, 0), Unit.WORKING_HOURS)
    assert moved == sh(2026, 3, 5, 13, 0)


def test_a_pause_after_the_deadline_passed_does_not_revive_it():
    cal = WorkingCalendar(tz=SHANGHAI)
    deadline = sh(2026, 3, 2, 12, 0)
    pauses = [(sh(2026, 3, 2, 14, 0), sh(2026, 3, 3, 14, 0))]
    assert shift_for_pauses(cal, deadline, Unit.HOURS, pauses) == deadline
    earlier = [(sh(2026, 3, 2, 10, 0), sh(2026, 3, 2, 11, 0))]
    assert shift_for_pauses(cal, deadline, Unit.HOURS, earlier) == sh(2026, 3, 2, 13, 0)


def test_zero_working_days_means_close_of_business_today_or_the_next_working_day():
    cal = WorkingCalendar(tz=SHANGHAI)
    assert cal.add(sh(2026, 3, 2, 10, 0), 0, Unit.WORKING_DAYS) == sh(2026, 3, 2, 18, 0)
    assert cal.add(sh(2026, 3, 2, 19, 0), 0, Unit.WORKING_DAYS) == sh(2026, 3, 3, 18, 0)
    assert cal.add(sh(2026, 3, 7, 10, 0), 0, Unit.WORKING_DAYS) == sh(2026, 3, 9, 18, 0)


def test_naive_datetimes_negative_limits_and_impossible_calendars_are_refused():
    cal = WorkingCalendar(tz=SHANGHAI)
    with pytest.raises(CalendarError):
        cal.add(dt.datetime(2026, 3, 2, 9, 0), 1, Unit.HOURS)  # noqa: DTZ001 - the point
    with pytest.raises(CalendarError):
        cal.add(sh(2026, 3, 2, 9, 0), -1, Unit.HOURS)
    with pytest.raises(CalendarError):
        WorkingCalendar(opens=dt.time(18, 0), closes=dt.time(9, 0))
    never = WorkingCalendar(tz=SHANGHAI, weekend=frozenset(range(1, 8)))
    with pytest.raises(CalendarError):
        never.add(sh(2026, 3, 2, 9, 0), 1, Unit.WORKING_DAYS)


@pytest.mark.django_db
def test_the_default_calendar_seeded_by_the_migration_knows_china_2026():
    from escalation.rulebook import load

    cal = load().default_calendar
    assert cal.tz.key == "Asia/Shanghai"
    assert cal.is_working_day(dt.date(2026, 2, 14))  # moved working Saturday
    assert not cal.is_working_day(dt.date(2026, 10, 1))  # National Day
    assert not cal.is_working_day(dt.date(2026, 3, 7))  # an ordinary Saturday
    assert cal.add(sh(2026, 9, 30, 15, 0), 3, Unit.WORKING_DAYS) == sh(2026, 10, 10, 18, 0)
