"""Calendar years: loading a year's holidays and moved working days (调休) from the ``holidays``
package, confirming it against the State Council's notice, and telling which deadlines rest
on a year that is not confirmed (DOMAIN.md: "a year not yet announced is provisional, and
every deadline that falls in it says so").

A year gets loaded three ways, all through ``load_year``: on demand, when a deadline being
computed falls in a year the calendar does not have (``ensure_loaded``, from the escalation
receiver); by ``manage.py sync_holidays``; and by the daily "calendar-years" task, which
loads this year and the next. A loaded year is provisional until an administrator confirms
it (admin › Calendar years › "Confirm"), after correcting its days if the notice differs.
Loading and confirming both recompute the open complaints' deadlines that the year can move,
through ``complaints.services.set_deadlines_many`` (history rows).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import holidays
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import OPEN_STATES, Complaint
from escalation import rulebook
from escalation.models import CalendarDay, CalendarYear, WorkCalendar

log = logging.getLogger(__name__)

DUE_COLUMNS = [
    "acceptance_due_at",
    "first_response_due_at",
    "promised_reply_at",
    "resolution_due_at",
    "follow_up_due_at",
]


class YearNotAvailable(ValueError):
    """The holidays package has no calendar for the country of this working calendar."""


@dataclass
class LoadResult:
    year: CalendarYear
    holidays: int = 0
    workdays: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0

    def summary(self) -> str:
        return (
            f"{self.year.calendar.name} {self.year.year}: {self.holidays} holidays, "
            f"{self.workdays} moved working days "
            f"(+{self.added} new, {self.changed} changed, {self.removed} removed)"
        )


def package_days(calendar: WorkCalendar, year: int) -> dict[dt.date, tuple[str, str]]:
    """The package's holidays and, where it has them, weekend working days of ``year``."""
    try:
        package = holidays.country_holidays(
            calendar.holiday_country, subdiv=calendar.holiday_subdivision or None, years=[year]
        )
    except NotImplementedError as exc:
        raise YearNotAvailable(calendar.holiday_country) from exc
    # The package joins the names of holidays falling on one date ("A; B"): keep to the column.
    limit = CalendarDay._meta.get_field("name").max_length
    wanted = {day: ("holiday", name[:limit]) for day, name in package.items() if day.year == year}
    for day in getattr(package, "weekend_workdays", ()):
        if day.year == year:
            wanted[day] = ("workday", "调休")
    return wanted


@transaction.atomic
def load_year(calendar: WorkCalendar, year: int, *, by=None) -> LoadResult:
    """Copy ``year``'s package days into ``calendar`` and record the year (provisional unless
    it was confirmed before). Rows staff entered or edited (source "manual") are never touched;
    package rows the package no longer lists are removed. Idempotent.

    History: a row for each calendar day added, changed or removed, and for the year record.
    The caller recomputes the deadlines (``recompute_for_year``).
    """
    wanted = package_days(calendar, year)
    existing = {
        row.day: row for row in CalendarDay.objects.filter(calendar=calendar, day__year=year)
    }
    result = LoadResult(year=None)  # type: ignore[arg-type]
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            row = CalendarDay(
                calendar=calendar, day=day, kind=kind, name=name, source=CalendarDay.Source.PACKAGE
            )
            row._history_user = by
            row.save()
            result.added += 1
        elif row.source == CalendarDay.Source.PACKAGE and (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            row._history_user = by
            row.save()
            result.changed += 1
    for day, row in existing.items():
        if day not in wanted and row.source == CalendarDay.Source.PACKAGE:
            row._history_user = by
            row.delete()
            result.removed += 1
    record, _created = CalendarYear.objects.select_for_update().get_or_create(
        calendar=calendar, year=year
    )
    record.loaded_at = timezone.now()
    record.package_version = holidays.__version__
    record._history_user = by
    record._change_reason = "loaded from the holidays package"
    record.save()
    result.year = record
    result.holidays = sum(1 for kind, _name in wanted.values() if kind == "holiday")
    result.workdays = len(wanted) - result.holidays
    rulebook.invalidate()
    return result


# On demand, load at most up to this many years after the current one: a deadline further away
# comes from a misconfigured limit, and loading decades of holidays inside a user's request
# would be the wrong answer to it (the deadline stays provisional instead).
ON_DEMAND_YEARS_AHEAD = 2


def ensure_loaded(calendar_id: int, years: set[int], *, now: dt.datetime) -> bool:
    """Load the ``years`` a deadline computation reached that the calendar lacks (on demand,
    inside the caller's transaction). Returns whether anything was loaded.

    Each year is loaded in a savepoint: a concurrent transaction loading the same year makes
    this one's insert fail on the unique constraint, which rolls back only the savepoint (the
    other transaction's rows serve). The other open complaints touching the year are
    recomputed by a task after commit.
    """
    current = timezone.localtime(now).year
    years = {year for year in years if year <= current + ON_DEMAND_YEARS_AHEAD}
    calendar = WorkCalendar.objects.filter(pk=calendar_id).exclude(holiday_country="").first()
    if calendar is None or not years:
        return False
    loaded = False
    for year in sorted(years):
        if CalendarYear.objects.filter(calendar=calendar, year=year).exists():
            continue
        try:
            with transaction.atomic():
                load_year(calendar, year)
        except (DatabaseError, YearNotAvailable) as exc:
            log.warning("could not load %s %s on demand: %r", calendar, year, exc)
            continue
        log.warning(
            "loaded %s %s on demand from the holidays package (provisional)", calendar, year
        )
        loaded = True
        transaction.on_commit(lambda year=year: queue_recompute(calendar.pk, year))
    return loaded


def queue_recompute(calendar_id: int, year: int) -> None:
    from django.conf import settings
    from django_q.tasks import async_task

    async_task(
        "escalation.tasks.recompute_for_year",
        calendar_id,
        year,
        sync=settings.ESCALATION_TASKS_SYNC,
        task_name=f"recompute-{calendar_id}-{year}",
    )


def confirm_year(record: CalendarYear, *, by, note: str = "") -> CalendarYear:
    """An administrator confirms ``record``'s days against the official notice.

    Preconditions: the year is loaded (it is, being a record). Side effects: the open
    complaints whose deadlines fall in that year are recomputed and lose their provisional
    flag. History: the year's "confirmed" row, and one "calendar_confirmed" row per complaint.
    Confirming a confirmed year again changes nothing.
    """
    with transaction.atomic():
        record = (
            CalendarYear.objects.select_for_update().select_related("calendar").get(pk=record.pk)
        )
        if record.confirmed:
            return record
        record.status = CalendarYear.Status.CONFIRMED
        record.confirmed_by, record.confirmed_at = by, timezone.now()
        if note:
            record.note = note
        record._history_user = by
        record._change_reason = "confirmed"
        record.save()
        rulebook.invalidate()
        recompute_for_year(
            record.calendar_id,
            record.year,
            by=by,
            action="calendar_confirmed",
            reason=_("Calendar %(year)s confirmed: deadlines recomputed") % {"year": record.year},
        )
    return record


def open_complaints_due_from(start: dt.datetime) -> list[int]:
    """Ids of open complaints with a deadline at or after ``start``: the only deadlines a
    calendar year beginning then can move (one query; each column is indexed for the lists)."""
    from django.db.models import Q

    reaches = Q()
    for column in DUE_COLUMNS:
        reaches |= Q(**{f"{column}__gte": start})
    return list(
        Complaint.objects.filter(reaches, state__in=OPEN_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def recompute_for_year(
    calendar_id: int, year: int, *, by=None, action: str = "calendar_loaded", reason: str = ""
) -> int:
    """Recompute, through the audited path, the open complaints that follow calendar
    ``calendar_id`` and have a deadline in ``year`` or later. Returns how many got a history
    row. Idempotent: a second run writes rows only for "calendar_confirmed" (the record that
    the flag was cleared) and for deadlines that really moved."""
    from escalation.services import recompute_open_deadlines

    book = rulebook.rulebook()
    calendar = next(
        (p.calendar for p in book.policies if p.calendar.calendar_id == calendar_id),
        book.default_calendar if book.default_calendar.calendar_id == calendar_id else None,
    )
    if calendar is None:
        return 0
    start = calendar.at(dt.date(year, 1, 1), dt.time(0, 0))
    ids = open_complaints_due_from(start)
    return recompute_open_deadlines(
        ids,
        by=by,
        action=action,
        reason=reason
        or _("Calendar %(year)s loaded from the holidays package: deadlines recomputed")
        % {"year": year},
        calendar_id=calendar_id,
        always=action == "calendar_confirmed",
    )


# --- reading ---------------------------------------------------------------------------------


def provisional_columns(complaint, book: rulebook.RuleBook | None = None) -> set[str]:
    """The due-time columns of ``complaint`` that fall in a year its calendar has not
    confirmed. Pure Python on the cached rule book: no query, so lists may call it per row."""
    if complaint.state not in OPEN_STATES:
        return set()
    book = book or rulebook.rulebook()
    calendar = book.calendar_of(book.for_complaint(complaint))
    if calendar.confirmed_years is None:
        return set()
    return {
        column
        for column in [*DUE_COLUMNS, "next_due_at"]
        if calendar.is_provisional(getattr(complaint, column, None))
    }


def deadlines_provisional(complaint) -> bool:
    return bool(provisional_columns(complaint))
