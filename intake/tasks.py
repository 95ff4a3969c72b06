"""django-q2 tasks of the intake app. Running one twice changes nothing the second time: the
mail fetch skips every message already imported (by Message-ID, ``intake.mail``)."""

from __future__ import annotations

import logging

from django.conf import settings

from intake import mail

logger = logging.getLogger(__name__)

# Created by `manage.py setup_schedules` (the core collects every app's SCHEDULES).
SCHEDULES = [
    {"name": "intake: fetch complaint mail", "func": "intake.tasks.fetch_mail", "minutes": 5},
]


def fetch_mail() -> str:
    """The scheduled email intake; does nothing while REDRESS_MAIL_SOURCE is empty."""
    if not settings.REDRESS_MAIL_SOURCE:
        return "email intake is off"
    results = mail.fetch(mail.open_source())
    counts: dict[str, int] = {}
    for result in results:
        counts[result.outcome] = counts.get(result.outcome, 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "no new mail"
