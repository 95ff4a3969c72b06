"""The core's own signals, and the receiver that labels history rows with their action.

Other apps react to the lifecycle by receiving ``complaint_changed`` (sent inside the service's
transaction, after the save) in their own ``signals.py``; the core never imports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.dispatch import Signal, receiver
from simple_history.signals import pre_create_historical_record

# Sent after a complaint was registered or changed by a service, inside its transaction.
# kwargs: complaint, action (e.g. "register", "classify", "escalate"), by (user or None for the
# system), reason, source (state before), target (state after), context (what the caller of the
# service passed for the receivers, unread by the core: the escalation app's why; else None).
complaint_changed = Signal()

# Sent by a service just before it saves a complaint, with the same kwargs: receivers may set
# derived columns on ``complaint`` (the escalation app's due times) so that the change and its
# consequences are one save and one history row. Receivers must not save.
complaint_changing = Signal()

# Sent once by a bulk service (``services.escalate_many``, the SLA sweep's path, and
# ``services.set_deadlines_many``) after it saved several complaints in one transaction, in
# place of ``complaint_changed`` for each. kwargs:
# complaints (the saved instances), action, by, reasons, sources and contexts (complaint id →
# reason, → state before, → the caller's context or None). Whoever receives
# ``complaint_changed`` must receive this too.
complaints_changed = Signal()

# Sent by a bulk service right after it wrote history rows with one INSERT (simple-history
# sends ``post_create_historical_record`` only for rows written one at a time). kwargs:
# history_instances (the rows, with their ids).
history_bulk_created = Signal()

# Sent by an app that must tell the complainant something no lifecycle action says by itself
# (the escalation app: "your complaint went to a higher tier"). The correspondence app receives
# it and queues the notice through its outbox. kwargs: complaint, purpose (a
# ``correspondence.models.Purpose`` value), key (unique per event: a second send is ignored),
# context (extra template variables, JSON-safe: strings, numbers, ISO datetimes).
complainant_notice_requested = Signal()

_quiet: ContextVar[bool] = ContextVar("redress_quiet", default=False)


@contextmanager
def notifications_suppressed() -> Iterator[None]:
    """Inside this block, receivers queue no mail to complainants or staff.

    For replaying past work (``seed_demo``, data imports), where telling anyone would be wrong:
    the history and deadlines are still written, only the messages are not.
    """
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def notifications_enabled() -> bool:
    return not _quiet.get()


@receiver(pre_create_historical_record)
def label_history_row(sender, instance, history_instance, **kwargs) -> None:
    """Copy the service's action name onto the history row (the audit log filters on it)."""
    history_instance.history_transition = getattr(instance, "_history_transition", "") or (
        "edit" if history_instance.history_type == "~" else ""
    )
