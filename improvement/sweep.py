"""The overdue-action sweep: each run escalates the actions that passed their due date.

An action being worked on (planned or in progress) whose due date (a day in Asia/Shanghai) has
passed goes to its department manager (level 1); if it is still not done
``REDRESS_ACTION_GM_AFTER_DAYS`` days after the due date, to the general manager (level 2).
Each level once: ``services.escalate_overdue`` re-checks under the row lock, so two sweeps (or
two workers) escalate an action once per level, and the notice's key makes it one mail.

Candidates are read through the partial index ``capa_open_due_idx`` (due_on < today among open
actions), a batch per run, never the whole table.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from escalation import notify
from improvement import services
from improvement.models import WORKING_STATES, CorrectiveAction, EscalationLevel


def _candidates(level: int, due_before: dt.date, limit: int) -> list[CorrectiveAction]:
    return list(
        CorrectiveAction.objects.filter(
            state__in=WORKING_STATES, due_on__lt=due_before, escalation_level__lt=level
        )
        .order_by("due_on", "pk")
        .only("pk", "state")[:limit]
    )


def sweep(today: dt.date | None = None) -> dict[int, int]:
    """Escalate overdue actions; returns {level: how many were escalated to it}."""
    today = today or timezone.localdate()
    limit = settings.REDRESS_ACTION_SWEEP_BATCH
    gm_before = today - dt.timedelta(days=settings.REDRESS_ACTION_GM_AFTER_DAYS - 1)
    done = {EscalationLevel.MANAGER: 0, EscalationLevel.GM: 0}
    notices: list[int] = []  # sent by one task at the end of the run
    # The GM level first: a long-forgotten action goes straight to the GM, once.
    for level, due_before in (
        (EscalationLevel.GM, gm_before),
        (EscalationLevel.MANAGER, today),
    ):
        for action in _candidates(level, due_before, limit):
            with transaction.atomic():
                if services.escalate_overdue(action, level=level, today=today):
                    done[level] += 1
                notices += notify.take_queued()
    notify.queue_as_one(notices)
    return {int(k): v for k, v in done.items()}
