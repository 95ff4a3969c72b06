from __future__ import annotations

from django.core.management.base import BaseCommand

from improvement import tasks


class Command(BaseCommand):
    help = "Escalate overdue corrective actions (once per level; safe to run repeatedly)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(tasks.sweep_actions())
