"""Reporting's own cache of the working-day calendar, flattened for SQL.

The report's "working hours" figures use it.

Working hours between two instants must be computed by the database for every resolved
complaint of a month. ``reporting_workingday`` holds one row per date with the working seconds
of all earlier dates, so the database needs two primary-key look-ups per complaint
(``reporting.sql.working_seconds_at``) instead of expanding each complaint into days.

Where the days come from, in order:

1. the escalation app's default working calendar (business hours, weekend, and the exceptions
   staff maintain: public holidays, moved working days 调休, closures), asked of escalation
   through ``escalation.selectors.default_working_calendar`` (reporting never reads
   escalation's tables);
2. otherwise China's public holidays and moved working days from the ``holidays`` package,
   with business hours from ``REDRESS_REPORT_WORKDAY_OPENS`` / ``_CLOSES``.

The table is a cache that reporting owns: nothing else reads or writes it. It is rebuilt whole
(a few thousand rows) by ``rebuild()``: nightly by the scheduled task, after commit when one
of escalation's calendar models is saved or deleted (``reporting.signals``), and on demand
when a report needs dates it does not cover.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from escalation import selectors as escalation_selectors
from reporting.models import WorkingDay


@dataclass
class Source:
    name: str
    opens: int  # second of the day business opens
    length: int  # seconds of work on a working day
    weekend: frozenset[int]  # ISO weekdays off
    exceptions: dict[dt.date, bool]  # date → worked?


def _clock(text: str) -> int:
    hours, _, minutes = text.partition(":")
    return int(hours) * 3600 + int(minutes or 0) * 60


def _as_second(value: dt.time) -> int:
    return value.hour * 3600 + value.minute * 60


def _escalation_source(first: dt.date, last: dt.date) -> Source | None:
    """The escalation app's default calendar, or None if it has none (yet)."""
    calendar = escalation_selectors.default_working_calendar(first, last)
    if calendar is None:
        return None
    opens_second = _as_second(calendar.opens)
    return Source(
        name="escalation",
        opens=opens_second,
        length=max(_as_second(calendar.closes) - opens_second, 0),
        weekend=calendar.weekend,
        exceptions=calendar.exceptions,
    )


def _package_source(first: dt.date, last: dt.date) -> Source:
    cn = holidays.country_holidays("CN", years=range(first.year, last.year + 1))
    exceptions = {day: False for day in cn}
    exceptions.update({day: True for day in getattr(cn, "weekend_workdays", ())})
    opens = _clock(settings.REDRESS_REPORT_WORKDAY_OPENS)
    closes = _clock(settings.REDRESS_REPORT_WORKDAY_CLOSES)
    return Source("holidays", opens, max(closes - opens, 0), frozenset({6, 7}), exceptions)


def source(first: dt.date, last: dt.date) -> Source:
    return _escalation_source(first, last) or _package_source(first, last)


@transaction.atomic
def rebuild(first: dt.date, last: dt.date) -> int:
    """Replace the table with the dates ``first``..``last``; returns the number of rows.

    A few thousand dates, built in Python once: this is the calendar, not complaint rows.
    """
    cal = source(first, last)
    rows = []
    cumulative = 0
    day = first
    while day <= last:
        working = cal.exceptions.get(day, day.isoweekday() not in cal.weekend)
        length = cal.length if working else 0
        rows.append(
            WorkingDay(
                day=day,
                working=working,
                opens_second=cal.opens if working else 0,
                length_seconds=length,
                cumulative_seconds=cumulative,
                source=cal.name,
            )
        )
        cumulative += length
        day += dt.timedelta(days=1)
    WorkingDay.objects.all().delete()
    WorkingDay.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def default_range() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    return (
        dt.date(settings.REDRESS_REPORT_CALENDAR_FIRST_YEAR, 1, 1),
        dt.date(today.year + 2, 12, 31),
    )


def ensure(first: dt.date, last: dt.date) -> None:
    """Make sure every date from ``first`` to ``last`` is in the table (one cheap query when
    it is, which is always but after install or at the turn of a far year)."""
    bounds = WorkingDay.objects.aggregate(lo=Min("day"), hi=Max("day"))
    if bounds["lo"] is not None and bounds["lo"] <= first and bounds["hi"] >= last:
        return
    default_first, default_last = default_range()
    # A concurrent rebuild that won the race covers the same default range.
    with contextlib.suppress(IntegrityError):
        rebuild(
            min(first, default_first, bounds["lo"] or first),
            max(last, default_last, bounds["hi"] or last),
        )
