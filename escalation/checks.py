"""A database check: the working-day calendar must have this year confirmed and, from
1 November, next year too (the State Council announces the next year's holidays and 调休 in
November-December; until an administrator confirms a year, every deadline counted in working
time that falls in it is provisional).

Both are tagged ``database``, so Django runs them only when asked for a database (never for
runserver, shell or the other commands), and they say nothing when all is in order. They read
nothing until the escalation tables exist, so ``migrate`` on an empty database runs as before.

- ``escalation.W001`` (next year, from 1 November) runs for ``check --database default`` and at
  the start of ``migrate``: a warning never stops a command.
- ``escalation.E001`` (this year not loaded or not confirmed) is also a deployment check: it
  fails ``check --deploy --database default`` (the release pipeline, README), but not
  ``migrate``, because an error there would refuse the very migration that may be needed to
  fix the calendar. Until then the UI flags every working-time deadline in the year as
  provisional.
"""

from __future__ import annotations

from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections
from django.utils import timezone

TABLES = {"escalation_workcalendar", "escalation_calendaryear"}


@register(Tags.database)
def calendar_covers_the_coming_year(app_configs=None, databases=None, **kwargs) -> list:
    return [p for p in _checked(databases) if p.id == "escalation.W001"]


@register(Tags.database, deploy=True)
def calendar_covers_this_year(app_configs=None, databases=None, **kwargs) -> list:
    return [p for p in _checked(databases) if p.id == "escalation.E001"]


def _checked(databases) -> list:
    if not databases or "default" not in databases:
        return []
    try:
        if not set(connections["default"].introspection.table_names()) >= TABLES:
            return []  # not migrated yet: nothing to check
        return _problems(timezone.localdate())
    except DatabaseError:
        return []


def _problems(today) -> list:
    from escalation.models import CalendarYear, WorkCalendar

    problems = []
    for calendar in WorkCalendar.objects.exclude(holiday_country=""):
        status = dict(
            CalendarYear.objects.filter(
                calendar=calendar, year__in=[today.year, today.year + 1]
            ).values_list("year", "status")
        )
        current = status.get(today.year)
        if current != CalendarYear.Status.CONFIRMED:
            problems.append(
                Error(
                    f"Working calendar {calendar.name!r}: {today.year} is "
                    f"{'not loaded' if current is None else 'not confirmed'}; every deadline "
                    "computed this year is provisional.",
                    hint=(
                        "Run `.venv/bin/python manage.py sync_holidays --year "
                        f"{today.year}` if it is not loaded, then check its days against the "
                        "State Council's notice and confirm the year in the admin "
                        "(Escalation › Calendar years)."
                    ),
                    id="escalation.E001",
                )
            )
        following = status.get(today.year + 1)
        if today.month >= 11 and following != CalendarYear.Status.CONFIRMED:
            problems.append(
                Warning(
                    f"Working calendar {calendar.name!r}: {today.year + 1} is "
                    f"{'not loaded' if following is None else 'not confirmed'}.",
                    hint=(
                        "When the State Council's notice is published, upgrade the holidays "
                        "package, run `.venv/bin/python manage.py sync_holidays --year "
                        f"{today.year + 1}`, correct any day in the admin and confirm the year "
                        "(Escalation › Calendar years)."
                    ),
                    id="escalation.W001",
                )
            )
    return problems
