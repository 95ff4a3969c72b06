"""Create or update the django-q2 schedules every app declares. Idempotent: run it on every deploy.

Each app that needs scheduled work lists it in ``<app>/tasks.py`` as ``SCHEDULES``, a list of
dicts with ``name``, ``func`` (dotted path) and either ``minutes`` or ``cron``. The core finds
them by app label, so it never imports another app's code directly.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django_q.models import Schedule


def declared_schedules() -> list[dict]:
    found = []
    for app_config in apps.get_app_configs():
        try:
            module = import_module(f"{app_config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_config.name}.tasks":
                raise
            continue
        found.extend(getattr(module, "SCHEDULES", []))
    return found


class Command(BaseCommand):
    help = "Create or update the scheduled tasks (SLA sweep, month-end report...)."

    def handle(self, *args, **options) -> None:
        for spec in declared_schedules():
            defaults = {"func": spec["func"], "repeats": -1}
            if "cron" in spec:
                defaults.update(schedule_type=Schedule.CRON, cron=spec["cron"])
            else:
                defaults.update(schedule_type=Schedule.MINUTES, minutes=spec.get("minutes", 1))
            schedule, created = Schedule.objects.update_or_create(
                name=spec["name"], defaults=defaults
            )
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb}: {schedule.name} → {schedule.func}")
