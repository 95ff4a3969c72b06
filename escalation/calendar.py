"""Deadline arithmetic on a working-day calendar. Pure: no database, no clock, no settings.

A ``WorkingCalendar`` is built from the database (``escalation.rulebook``) but is a plain frozen
value, so the arithmetic is tested on its own: weekends, public holidays, moved working days
(调休: a Saturday or Sunday that is worked to make a longer holiday), organisation closures,
time zones and daylight-saving changes where the zone has them.

The units, and what each means:

- ``minutes``, ``hours``: elapsed time. 2 hours after 01:30 on a night the clocks go forward is
  04:30 local time, because two hours really passed.
- ``working_hours``: elapsed time inside business hours on working days only.
- ``days``: calendar days: the same local wall-clock time N dates later (a "day" is a date, not
  24 hours, so a day across a DST change is 23 or 25 hours long).
- ``working_days``: as Chinese law counts day periods (民法典 art. 201, 203): the day of the
  event does not count, the period ends at close of business on its last day, and only working
  days count. "Within 3 working days" of a complaint received on Friday ends Wednesday at close
  of business, or later when a holiday falls in between.

Every function takes and returns aware datetimes; results are in UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from zoneinfo import ZoneInfo

UTC = dt.UTC
# A calendar with no working day in ten years is misconfigured; stop instead of looping forever.
_MAX_DAYS = 3660


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    WORKING_HOURS = "working_hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"

    @property
    def counts_working_time(self) -> bool:
        return self in (Unit.WORKING_HOURS, Unit.WORKING_DAYS)


class DayKind(StrEnum):
    HOLIDAY = "holiday"  # public holiday: no work
    WORKDAY = "workday"  # a weekend day that is worked (调休)
    CLOSURE = "closure"  # the organisation is closed (stocktaking, relocation...)


class CalendarError(ValueError):
    """The calendar cannot answer (no working day for years, bad business hours)."""


@dataclass(frozen=True)
class WorkingCalendar:
    """Business hours, weekend and the exceptions to them, in one time zone.

    ``days`` maps a date to its exception: ``holiday`` and ``closure`` are days off whatever the
    weekday; ``workday`` makes a weekend date a working day.
    """

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))
    opens: dt.time = dt.time(9, 0)
    closes: dt.time = dt.time(18, 0)
    weekend: frozenset[int] = frozenset({6, 7})  # ISO weekdays: Saturday, Sunday
    days: dict[dt.date, DayKind] = field(default_factory=dict)
    # Years whose national holidays are known: ``loaded`` (from the holidays package, perhaps
    # provisional) and ``confirmed`` (checked against the official notice). None: the calendar
    # follows no national calendar (no holiday country), so no year is ever provisional.
    loaded_years: frozenset[int] | None = None
    confirmed_years: frozenset[int] | None = None
    calendar_id: int | None = None

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise CalendarError("Business hours must open before they close on the same day.")

    def __hash__(self) -> int:  # the dict of days is not hashable; identity is enough here
        return id(self)

    # --- days ------------------------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        kind = self.days.get(day)
        if kind in (DayKind.HOLIDAY, DayKind.CLOSURE):
            return False
        if kind == DayKind.WORKDAY:
            return True
        return day.isoweekday() not in self.weekend

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after ``day``."""
        for offset in range(1, _MAX_DAYS):
            candidate = day + dt.timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError("No working day in the next ten years: check the calendar.")

    def local(self, moment: dt.datetime) -> dt.datetime:
        _require_aware(moment)
        return moment.astimezone(self.tz)

    def at(self, day: dt.date, clock: dt.time) -> dt.datetime:
        """``day`` at local ``clock``, in UTC. A local time skipped by a DST change (02:30 when
        the clocks jump from 02:00 to 03:00) resolves to the instant after the jump."""
        naive = dt.datetime.combine(day, clock)
        return _resolve_local(naive, self.tz)

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """Business hours of ``day`` as UTC instants (whether or not it is a working day)."""
        return self.at(day, self.opens), self.at(day, self.closes)

    def close_of_business(self, day: dt.date) -> dt.datetime:
        return self.at(day, self.closes)

    # --- years ----------------------------------------------------------------------------------

    def year_of(self, moment: dt.datetime) -> int:
        return self.local(moment).year

    def is_provisional(self, moment: dt.datetime | None) -> bool:
        """A deadline falling in a year not confirmed (or not even loaded) was computed with
        holidays that may still change, or none at all: it must say so."""
        if moment is None or self.confirmed_years is None:
            return False
        return self.year_of(moment) not in self.confirmed_years

    def unloaded_years(self, *moments: dt.datetime | None) -> set[int]:
        """Years from the earliest to the latest of ``moments`` whose holidays are not loaded."""
        if self.loaded_years is None:
            return set()
        years = [self.year_of(m) for m in moments if m is not None]
        if not years:
            return set()
        return set(range(min(years), max(years) + 1)) - self.loaded_years

    # --- arithmetic ------------------------------------------------------------------------------

    def add(self, start: dt.datetime, amount: int, unit: Unit | str) -> dt.datetime:
        """The deadline ``amount`` ``unit`` after ``start``."""
        _require_aware(start)
        if amount < 0:
            raise CalendarError("A time limit cannot be negative.")
        unit = Unit(unit)
        if unit == Unit.MINUTES:
            return start.astimezone(UTC) + dt.timedelta(minutes=amount)
        if unit == Unit.HOURS:
            return start.astimezone(UTC) + dt.timedelta(hours=amount)
        if unit == Unit.WORKING_HOURS:
            return self.add_working_time(start, dt.timedelta(hours=amount))
        if unit == Unit.DAYS:
            return self.add_calendar_days(start, amount)
        return self.add_working_days(start, amount)

    def add_calendar_days(self, start: dt.datetime, days: int) -> dt.datetime:
        local = self.local(start)
        naive = local.replace(tzinfo=None) + dt.timedelta(days=days)
        return _resolve_local(naive, self.tz, fold=local.fold)

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        """Close of business on the ``days``-th working day after the day of ``start``.

        With ``days == 0``: close of business today if today is a working day and still open,
        otherwise of the next working day.
        """
        day = self.local(start).date()
        if days == 0:
            if self.is_working_day(day) and start < self.close_of_business(day):
                return self.close_of_business(day)
            return self.close_of_business(self.next_working_day(day))
        for _ in range(days):
            day = self.next_working_day(day)
        return self.close_of_business(day)

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The instant at which ``duration`` of business time has elapsed after ``start``.

        A deadline that falls exactly at closing time stays there (18:00, not 09:00 the next
        working day).
        """
        _require_aware(start)
        remaining = duration
        if remaining <= dt.timedelta(0):
            return start.astimezone(UTC)
        cursor = start.astimezone(UTC)
        day = self.local(start).date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self.window(day)
                begin = max(cursor, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += dt.timedelta(days=1)
        raise CalendarError("No working day in the next ten years: check the calendar.")

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Business time elapsed from ``start`` to ``end`` (zero if ``end`` is not later)."""
        _require_aware(start)
        _require_aware(end)
        if end <= start:
            return dt.timedelta(0)
        total = dt.timedelta(0)
        day = self.local(start).date()
        last = self.local(end).date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self.window(day)
                overlap = min(end, closes) - max(start, opens)
                if overlap > dt.timedelta(0):
                    total += overlap
            day += dt.timedelta(days=1)
        return total

    def shift(
        self, deadline: dt.datetime, paused_from: dt.datetime, paused_to: dt.datetime, unit: str
    ) -> dt.datetime:
        """Push ``deadline`` back by a pause of the clock from ``paused_from`` to ``paused_to``.

        A working-time limit moves by the business time the pause covered (a pause over a night
        or a weekend costs nothing); any other limit moves by the elapsed time.
        """
        if Unit(unit).counts_working_time:
            return self.add_working_time(
                deadline, self.working_time_between(paused_from, paused_to)
            )
        return deadline.astimezone(UTC) + (paused_to - paused_from)


def shift_for_pauses(
    calendar: WorkingCalendar,
    deadline: dt.datetime,
    unit: str,
    pauses: Iterable[tuple[dt.datetime, dt.datetime]],
) -> dt.datetime:
    """Apply finished pauses, in order, to a deadline that was still running when each began.

    A pause that starts after the (already shifted) deadline passed does not revive it: a missed
    deadline stays missed.
    """
    for paused_from, paused_to in sorted(pauses):
        if paused_from < deadline:
            deadline = calendar.shift(deadline, paused_from, paused_to, unit)
    return deadline


def _require_aware(moment: dt.datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CalendarError("Deadline arithmetic needs timezone-aware datetimes.")


def _resolve_local(naive: dt.datetime, tz: ZoneInfo, fold: int = 0) -> dt.datetime:
    """Attach ``tz`` to a local wall-clock time and return the UTC instant.

    An ambiguous time (the hour repeated when clocks go back) takes ``fold``. A time that does
    not exist (the hour skipped when clocks go forward) is read with the offset before the jump
    (PEP 495), which lands it after the jump by the size of the gap: 02:30 becomes 03:30.
    """
    return naive.replace(tzinfo=tz, fold=fold).astimezone(UTC)
