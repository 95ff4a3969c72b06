"""The working-day calendar the report's "working hours" figures use, flattened for SQL.

Working hours between two instants must be computed by the database for every resolved
complaint of a month. ``reporting_workingday`` holds one row per date with the working seconds
of all earlier dates, so the database needs two primary-key look-ups per complaint
(``reporting.sql.working_seconds_at``) instead of expanding each complaint into days.

Where the days come from, in order:

1. the escalation app's default working calendar (business hours, weekend, and the exceptions
   staff maintain: public holidays, moved working days 调休, closures), read by table name
   after checking the tables exist, so reporting never imports escalation's code;
2. otherwise China's public holidays and moved working days from the ``holidays`` package,
   with business hours from ``REDRESS_REPORT_WORKDAY_OPENS`` / ``_CLOSES``.

The table is rebuilt whole (a few thousand rows) by ``rebuild()``: nightly by the scheduled
task, and on demand when a report needs dates it does not cover.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from reporting.models import WorkingDay

ESCALATION_CALENDARS = "escalation_workcalendar"
ESCALATION_DAYS = "escalation_calendarday"


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


def _as_second(value) -> int:
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60
    return _clock(str(value)[:5])


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _escalation_source(first: dt.date, last: dt.date) -> Source | None:
    """The escalation app's default calendar, or None if it has none (yet)."""
    tables = set(connection.introspection.table_names())
    if not {ESCALATION_CALENDARS, ESCALATION_DAYS} <= tables:
        return None
    if not {"id", "opens", "closes", "weekend", "is_default"} <= _columns(ESCALATION_CALENDARS):
        return None
    day_columns = _columns(ESCALATION_DAYS)
    date_column = next((c for c in ("date", "day") if c in day_columns), None)
    if date_column is None or not {"calendar_id", "kind"} <= day_columns:
        return None
    with connection.cursor() as cursor:
        # Table and column names are constants checked above; values are parameters.
        cursor.execute(
            f"SELECT id, opens, closes, weekend FROM {ESCALATION_CALENDARS} "  # noqa: S608
            "WHERE is_default ORDER BY id LIMIT 1"
        )
        default = cursor.fetchone()
        if default is None:
            return None
        calendar_id, opens, closes, weekend = default
        cursor.execute(
            f"SELECT {date_column}, kind FROM {ESCALATION_DAYS} "  # noqa: S608
            f"WHERE calendar_id = %s AND {date_column} >= %s AND {date_column} <= %s",
            [calendar_id, first, last],
        )
        exceptions = {_as_date(day): kind == "workday" for day, kind in cursor.fetchall()}
    opens_second = _as_second(opens)
    return Source(
        name="escalation",
        opens=opens_second,
        length=max(_as_second(closes) - opens_second, 0),
        weekend=frozenset(int(p) for p in str(weekend).split(",") if p.strip().isdigit()),
        exceptions=exceptions,
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
