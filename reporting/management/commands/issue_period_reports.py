"""Issue (freeze) a finished quarter's or year's report now.

    python manage.py issue_period_reports --period 2026-Q3
    python manage.py issue_period_reports --period 2026

The months' reports are issued first where they were not; a scope already issued keeps its
first issue.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reporting import period_services
from reporting.periods import Period


class Command(BaseCommand):
    help = "Issue a finished quarter's or year's report for the organisation and every department."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--period", required=True, help="YYYY-Qn or YYYY.")

    def handle(self, *args, period: str, **options) -> None:
        try:
            chosen = Period.parse(period)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if not chosen.is_finished():
            raise CommandError(f"{chosen} has not ended yet.")
        issued = period_services.issue_period_snapshots(chosen)
        self.stdout.write(f"{chosen}: {len(issued)} report(s) issued.")
