"""Intake's receiver of the core's ``complaint_changed`` signal (connected in IntakeConfig.ready).

It only notes which complaints a block of intake code *created*. Notices to complainants are
the correspondence app's (its one outbox sends every message, whatever the channel).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_registered: ContextVar[list[int] | None] = ContextVar("intake_registered", default=None)


@contextmanager
def capture_registrations() -> Iterator[list[int]]:
    """Collect the ids of complaints *created* while the block runs, in this thread/task only.

    ``services.register`` returns the earlier complaint on an idempotent retry without saying
    so; intake needs to know, to attach files only once. A context variable keeps concurrent
    requests from seeing each other's registrations.
    """
    bucket: list[int] = []
    token = _registered.set(bucket)
    try:
        yield bucket
    finally:
        _registered.reset(token)


def complaint_changed(sender, *, complaint, action, **kwargs) -> None:
    if action == "register":
        bucket = _registered.get()
        if bucket is not None:
            bucket.append(complaint.pk)
