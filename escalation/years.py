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
from django.utils.translation import ngettext

from complaints.locking import lock
from complaints.models import OPEN_STATES, Complaint
from escalation import rulebook
from escalation.calendar import Unit
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

    # A confirmed year whose package days changed on reload: back to provisional.
    unconfirmed: bool = False

    @property
    def touched(self) -> int:
        return self.added + self.changed + self.removed

    def summary(self) -> str:
        """What the load did, for the administrator (translated)."""
        text = _("%(calendar)s %(year)s: %(holidays)s, %(workdays)s (%(changes)s).") % {
            "calendar": self.year.calendar.name,
            "year": self.year.year,
            "holidays": ngettext("%(count)s holiday", "%(count)s holidays", self.holidays)
            % {"count": self.holidays},
            "workdays": ngettext(
                "%(count)s moved working day", "%(count)s moved working days", self.workdays
            )
            % {"count": self.workdays},
            "changes": _("+%(added)s new, %(changed)s changed, %(removed)s removed")
            % {"added": self.added, "changed": self.changed, "removed": self.removed},
        }
        if self.unconfirmed:
            text += " " + _(
                "The package changed days of this confirmed year: it is provisional again "
                "until it is checked against the notice and confirmed."
            )
        return text


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
    """Copy ``year``'s package days into ``calendar`` and record the year: provisional, unless
    it was confirmed before and the package changed none of its days (a confirmed year whose
    days changed is provisional again, to be checked and confirmed anew). Rows staff entered or
    edited (source "manual") are never touched; package rows the package no longer lists are
    removed. Idempotent.

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
            row.save(update_fields=["kind", "name"])
            result.changed += 1
    for day, row in existing.items():
        if day not in wanted and row.source == CalendarDay.Source.PACKAGE:
            row._history_user = by
            row.delete()
            result.removed += 1
    record, _created = CalendarYear.objects.get_or_create(calendar=calendar, year=year)
    record = lock(record)
    record.loaded_at = timezone.now()
    record.package_version = holidays.__version__
    record._history_user = by
    record._change_reason = "loaded from the holidays package"
    if record.confirmed and result.touched:
        # The confirmation was of other days: the year must be checked again.
        record.status = CalendarYear.Status.PROVISIONAL
        record.confirmed_by, record.confirmed_at = None, None
        record._change_reason = "reloaded with changed days: provisional again"
        result.unconfirmed = True
    record.save(
        update_fields=["loaded_at", "package_version", "status", "confirmed_by", "confirmed_at"]
    )
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
        record = lock(record)
        if record.confirmed:
            return record
        record.status = CalendarYear.Status.CONFIRMED
        record.confirmed_by, record.confirmed_at = by, timezone.now()
        if note:
            record.note = note
        record._history_user = by
        record._change_reason = "confirmed"
        record.save(update_fields=["status", "confirmed_by", "confirmed_at", "note"])
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
    row. Idempotent: rows are written only for deadlines that really moved and, on
    "calendar_confirmed", for complaints whose provisional flag the confirmation cleared."""
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
        cleared_year=year if action == "calendar_confirmed" else None,
    )


# --- reading ---------------------------------------------------------------------------------


# The due-time columns a calendar year can move, and the policy target whose unit says whether
# it counts working time. ``promised_reply_at`` is typed by a person: no calendar moves it.
WORKING_TIME_TARGETS = {
    "acceptance_due_at": "acceptance",
    "first_response_due_at": "first_response",
    "resolution_due_at": "resolution",
    "follow_up_due_at": "follow_up",
}


def _counts_working_time(target: tuple[int, str] | None) -> bool:
    return target is not None and Unit(target[1]).counts_working_time


def working_time_columns(complaint, policy: rulebook.Policy | None) -> set[str]:
    """The due-time columns of ``complaint`` whose policy target counts working days or hours,
    the only deadlines public holidays and moved working days can move. Minutes, hours and
    calendar days elapse the same whatever the year's holidays."""
    if policy is None:
        return set()
    found = {
        column
        for column, target in WORKING_TIME_TARGETS.items()
        if _counts_working_time(policy.targets.get(target))
    }
    if complaint.extension_count and _counts_working_time(policy.extension):
        found.add("resolution_due_at")  # an approved extension set it in its own unit
    return found


def provisional_columns(complaint, book: rulebook.RuleBook | None = None) -> set[str]:
    """The due-time columns of ``complaint`` that count working time and fall in a year its
    calendar has not confirmed (``next_due_at`` too when it is one of them, or the current
    tier's budget in working time). Pure Python on the cached rule book: no query, so lists may
    call it per row."""
    if complaint.state not in OPEN_STATES:
        return set()
    book = book or rulebook.rulebook()
    policy = book.for_complaint(complaint)
    calendar = book.calendar_of(policy)
    if calendar.confirmed_years is None:
        return set()
    found = {
        column
        for column in working_time_columns(complaint, policy)
        if calendar.is_provisional(getattr(complaint, column, None))
    }
    # The sweep's next deadline is one of the columns or the current tier's budget (not stored).
    next_due = getattr(complaint, "next_due_at", None)
    if calendar.is_provisional(next_due) and (
        any(getattr(complaint, column) == next_due for column in found)
        or (
            tier_budget_counts_working_time(complaint, policy)
            and all(getattr(complaint, column) != next_due for column in DUE_COLUMNS)
        )
    ):
        found.add("next_due_at")
    return found


def tier_budget_counts_working_time(complaint, policy: rulebook.Policy | None) -> bool:
    return policy is not None and _counts_working_time(policy.budgets.get(complaint.tier))


def deadlines_provisional(complaint) -> bool:
    return bool(provisional_columns(complaint))


def provisional_in_year(complaint, policy, calendar, year: int) -> bool:
    """Whether ``complaint`` has a working-time deadline in ``year`` of ``calendar``: what
    confirming that year clears (the tier budget, not stored, is left to the pages)."""
    if complaint.state not in OPEN_STATES or calendar.confirmed_years is None:
        return False
    return any(
        (moment := getattr(complaint, column)) is not None and calendar.year_of(moment) == year
        for column in working_time_columns(complaint, policy)
    )
