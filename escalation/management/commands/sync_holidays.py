"""``python manage.py sync_holidays [--year 2027 ...]``: copy public holidays and moved working
days (调休) from the ``holidays`` package into each working calendar that names a country.

Run it every November-December once the State Council has announced next year's holidays and
the ``holidays`` package has a release with them (``pip install -U holidays``). Rows entered or
edited by staff (source "manual") are never touched; package rows the package no longer lists
are removed. A year loaded this way is provisional until an administrator confirms it in the
admin (Escalation › Calendar years); open complaints whose deadlines it moves are recomputed
(with a history row each).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from escalation import years
from escalation.models import WorkCalendar


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

    def sync(self, calendar: WorkCalendar, year: int) -> None:
        try:
            result = years.load_year(calendar, year)
        except years.YearNotAvailable as exc:
            raise CommandError(f"holidays has no calendar for {calendar.holiday_country}") from exc
        self.stdout.write(result.summary())
        state = "confirmed" if result.year.confirmed else "provisional until confirmed in the admin"
        self.stdout.write(f"  {year} is {state}.")
        if calendar.holiday_country == "CN" and result.workdays == 0:
            self.stdout.write(
                self.style.WARNING(
                    f"  No moved working days (调休) for {year}: this holidays release may not "
                    "have the State Council's announcement yet. Check the official notice and "
                    "add them in the admin if needed."
                )
            )
        recomputed = years.recompute_for_year(calendar.pk, year)
        if recomputed:
            self.stdout.write(f"  {recomputed} open complaint(s) had their deadlines recomputed.")
