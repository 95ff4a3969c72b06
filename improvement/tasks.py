"""django-q2 tasks of the improvement app, read by ``manage.py setup_schedules``."""

from __future__ import annotations

from improvement import sweep as sweeping

SCHEDULES = [
    # Due dates are days: an hourly run escalates within the hour after local midnight.
    {"name": "action-sweep", "func": "improvement.tasks.sweep_actions", "minutes": 60},
]


def sweep_actions() -> str:
    """Escalate overdue corrective actions (``improvement.sweep``); idempotent."""
    done = sweeping.sweep()
    return f"escalated to manager: {done[1]}, to general manager: {done[2]}"
