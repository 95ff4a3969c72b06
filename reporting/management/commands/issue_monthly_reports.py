"""Issue (freeze) a finished month's report now, e.g. for months before the schedule ran.

    python manage.py issue_monthly_reports            # last month
    python manage.py issue_monthly_reports --month 2026-10

A scope already issued keeps its first issue.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reporting import services
from reporting.months import Month


class Command(BaseCommand):
    help = "Issue a finished month's report for the organisation and every department."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month).")

    def handle(self, *args, month=None, **options) -> None:
        try:
            chosen = Month.parse(month) if month else Month.current().previous
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not chosen.is_finished():
            raise CommandError(f"{chosen} has not ended yet.")
        issued = services.issue_snapshots(chosen)
        self.stdout.write(f"{chosen}: {len(issued)} report(s) issued.")
