"""``python manage.py sweep_sla``: one SLA sweep, the same function the every-minute schedule
runs, printing what it escalated."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from escalation import notify
from escalation.sweep import sweep


class Command(BaseCommand):
    help = "Run one SLA sweep (escalate missed deadlines, warn, restart expired pauses)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--send-now",
            action="store_true",
            help="Send the notification emails in this process instead of queuing them.",
        )

    def handle(self, *args, send_now: bool = False, **options) -> None:
        report = sweep()
        for reference, from_tier, to_tier, trigger in report.escalated:
            self.stdout.write(f"escalated {reference}: {from_tier} → {to_tier} ({trigger} missed)")
        for reference in report.breached_at_top:
            self.stdout.write(f"missed at the top tier {reference} (general manager told)")
        for reference in report.warned:
            self.stdout.write(f"warned {reference}")
        for reference in report.resumed:
            self.stdout.write(f"clock restarted {reference}")
        self.stdout.write(report.summary())
        if send_now:
            self.stdout.write(f"sent {notify.send()} notification(s)")
