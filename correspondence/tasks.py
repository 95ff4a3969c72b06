"""django-q2 tasks of the outbox. Each takes ids, and running one twice sends nothing twice."""

from __future__ import annotations

from correspondence import services

# Created by `manage.py setup_schedules` (the core collects every app's SCHEDULES).
SCHEDULES = [
    {
        "name": "correspondence: send due messages",
        "func": "correspondence.tasks.dispatch_due",
        "minutes": 1,
    },
]


def send_message(message_id: int) -> str:
    """Send one queued message if it is due; nothing if another run already claimed it."""
    return services.send(message_id)


def dispatch_due() -> str:
    """Every minute: messages whose back-off or quiet hours are over, and stuck sends."""
    return services.dispatch_due()
