"""django-q2 tasks of the escalation app. ``SCHEDULES`` is read by ``manage.py setup_schedules``.

Tasks take ids, call one function and are idempotent: a sweep that runs twice escalates each
missed deadline once, and a notice is sent once however often its task runs.
"""

from __future__ import annotations

from escalation import notify
from escalation import sweep as sweeping

SCHEDULES = [{"name": "sla-sweep", "func": "escalation.tasks.sweep", "minutes": 1}]


def sweep() -> str:
    """The every-minute SLA sweep (see ``escalation.sweep``); returns its summary line, which
    django-q2 keeps as the task result."""
    return sweeping.sweep().summary()


def send_notices(ids: list[int] | None = None) -> int:
    """Send the given notification emails (or every unsent one); returns how many went out."""
    return notify.send(ids)
