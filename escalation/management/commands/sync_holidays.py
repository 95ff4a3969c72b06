"""``python manage.py sync_holidays [--year 2027 ...]``: copy public holidays and moved working
days (调休) from the ``holidays`` package into each working calendar that names a country.

Run it every November-December once the State Council has announced next year's holidays and
the ``holidays`` package has a release with them (``pip install -U holidays``). Rows entered or
edited by staff (source "manual") are never touched; package rows the package no longer lists
are removed.
"""

from __future__ import annotations

import holidays
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from escalation.models import CalendarDay, WorkCalendar


class Command(BaseCommand):
    help = "Copy public holidays and moved working days from the holidays package."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--year", type=int, action="append", help="Year to sync (default: this and next)."
        )
        parser.add_argument("--calendar", help="Name of one calendar (default: all).")

    def handle(self, *args, year=None, calendar=None, **options) -> None:
        today = timezone.localdate()
        years = year or [today.year, today.year + 1]
        calendars = WorkCalendar.objects.exclude(holiday_country="")
        if calendar:
            calendars = calendars.filter(name=calendar)
            if not calendars.exists():
                raise CommandError(f"No calendar named {calendar!r} with a holiday country.")
        for cal in calendars:
            for one_year in years:
                self.sync(cal, one_year)

    @transaction.atomic
    def sync(self, calendar: WorkCalendar, year: int) -> None:
        try:
            package = holidays.country_holidays(
                calendar.holiday_country,
                subdiv=calendar.holiday_subdivision or None,
                years=[year],
            )
        except NotImplementedError as exc:
            raise CommandError(f"holidays has no calendar for {calendar.holiday_country}") from exc
        wanted = {day: ("holiday", name) for day, name in package.items() if day.year == year}
        for day in getattr(package, "weekend_workdays", ()):
            if day.year == year:
                wanted[day] = ("workday", "调休")
        existing = {
            row.day: row for row in CalendarDay.objects.filter(calendar=calendar, day__year=year)
        }
        added = changed = removed = 0
        for day, (kind, name) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                CalendarDay(
                    calendar=calendar,
                    day=day,
                    kind=kind,
                    name=name,
                    source=CalendarDay.Source.PACKAGE,
                ).save()
                added += 1
            elif row.source == CalendarDay.Source.PACKAGE and (row.kind, row.name) != (kind, name):
                row.kind, row.name = kind, name
                row.save()
                changed += 1
        for day, row in existing.items():
            if day not in wanted and row.source == CalendarDay.Source.PACKAGE:
                row.delete()
                removed += 1
        holidays_n = sum(1 for kind, _name in wanted.values() if kind == "holiday")
        workdays_n = len(wanted) - holidays_n
        self.stdout.write(
            f"{calendar.name} {year}: {holidays_n} holidays, {workdays_n} moved working days "
            f"(+{added} new, {changed} changed, {removed} removed)"
        )
        if calendar.holiday_country == "CN" and workdays_n == 0:
            self.stdout.write(
                self.style.WARNING(
                    f"  No moved working days (调休) for {year}: this holidays release may not "
                    "have the State Council's announcement yet. Check the official notice and "
                    "add them in the admin if needed."
                )
            )
