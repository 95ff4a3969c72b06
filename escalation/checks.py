"""A deployment check: the working-day calendar must know this year and, from November, the
next one (the State Council announces the next year's holidays and 调休 in Nov-Dec)."""

from __future__ import annotations

from django.core.checks import Tags, Warning, register
from django.db import DatabaseError
from django.utils import timezone


@register(Tags.database)
def calendar_covers_the_coming_year(app_configs=None, **kwargs) -> list:
    from escalation.models import CalendarDay, WorkCalendar

    today = timezone.localdate()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    problems = []
    try:
        for calendar in WorkCalendar.objects.exclude(holiday_country=""):
            known = set(
                CalendarDay.objects.filter(calendar=calendar, kind="holiday").dates("day", "year")
            )
            for year in years:
                if not any(d.year == year for d in known):
                    problems.append(
                        Warning(
                            f"Working calendar {calendar.name!r} has no holidays for {year}.",
                            hint=(
                                "Upgrade the holidays package and run `.venv/bin/python "
                                f"manage.py sync_holidays --year {year}`, or enter the days in "
                                "the admin (Escalation › Calendar days)."
                            ),
                            id="escalation.W001",
                        )
                    )
    except DatabaseError:  # tables not migrated yet: nothing to check
        return []
    return problems
