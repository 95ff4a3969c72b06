"""Intake's receivers of the core's ``complaint_changed`` signal (connected in IntakeConfig.ready).

They only enqueue work: the notice to the complainant is sent by a django-q2 task after the
transaction commits, so a rolled-back change never mails anyone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django_q.tasks import async_task

from complaints.signals import notifications_enabled
from intake.models import Notification

# Which lifecycle action tells the complainant what.
NOTICE_FOR_ACTION = {
    "register": Notification.Kind.ACKNOWLEDGEMENT,
    "classify": Notification.Kind.ACCEPTANCE,
    "reject": Notification.Kind.REJECTION,
    "resolve": Notification.Kind.RESOLUTION,
    "follow_up": Notification.Kind.FOLLOW_UP,
}

_registered: ContextVar[list[int] | None] = ContextVar("intake_registered", default=None)


@contextmanager
def capture_registrations() -> Iterator[list[int]]:
    """Collect the ids of complaints *created* while the block runs, in this thread/task only.

    ``services.register`` returns the earlier complaint on an idempotent retry without saying
    so; intake needs to know, to attach files and send notices only once. A context variable
    keeps concurrent requests from seeing each other's registrations.
    """
    bucket: list[int] = []
    token = _registered.set(bucket)
    try:
        yield bucket
    finally:
        _registered.reset(token)


def enqueue(func: str, *args) -> None:
    """Queue a django-q2 task once the current transaction commits."""
    sync = bool(getattr(settings, "REDRESS_TASKS_SYNC", False))
    transaction.on_commit(lambda: async_task(func, *args, sync=sync))


def complaint_changed(sender, *, complaint, action, **kwargs) -> None:
    if action == "register":
        bucket = _registered.get()
        if bucket is not None:
            bucket.append(complaint.pk)
    kind = NOTICE_FOR_ACTION.get(action)
    if kind is None or not complaint.complainant_email or not notifications_enabled():
        return
    enqueue("intake.tasks.notify_complainant", complaint.pk, kind.value, complaint.version)


def complaints_changed(sender, *, complaints, action, **kwargs) -> None:
    """A bulk service's changes (the sweep's escalations): the same, complaint by complaint."""
    for complaint in complaints:
        complaint_changed(sender, complaint=complaint, action=action)
