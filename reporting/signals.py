"""Reporting's receivers: seal every history record into its complaint's chain, and invalidate
cached figures of the past months a complaint change may alter, and rebuild the working-day
table when the escalation app's calendar changes.

Connected from ``ReportingConfig.ready``. Sealing runs in the writer's transaction (see
``reporting.audit.seal``); invalidation runs after commit (``services.bump_generations``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from complaints.models import Complaint
from complaints.signals import complaint_changed, complaints_changed, history_bulk_created
from escalation import selectors as escalation_selectors
from reporting import audit, services, workdays


def seal_history_record(sender, history_instance, **kwargs) -> None:
    audit.seal(history_instance)


def seal_history_records(sender, history_instances, **kwargs) -> None:
    audit.seal_many(list(history_instances))


def invalidate_past_months(sender, complaint: Complaint, **kwargs) -> None:
    services.bump_generations(services.months_touched_by(complaint))


def invalidate_past_months_in_bulk(sender, complaints: list[Complaint], **kwargs) -> None:
    services.bump_generations(
        sorted(set().union(*(services.months_touched_by(c) for c in complaints)))
    )


class _RebuildWorkingDays:
    """One pending rebuild of the working-day table (after commit)."""

    done = False

    def __call__(self) -> None:
        self.done = True
        workdays.rebuild(*workdays.default_range())


def rebuild_working_days(sender, **kwargs) -> None:
    """A year or a day of the escalation app's calendar was loaded, corrected, deleted or
    confirmed, or its hours changed: the working-day table caches that calendar
    (``reporting.workdays``), so rebuild it once the change is committed instead of waiting
    for the nightly refresh. Once per transaction: loading a year saves dozens of days (a
    rebuild still pending in this transaction serves; a rolled-back savepoint takes its
    pending rebuild with it, so the next change schedules another)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(func, _RebuildWorkingDays) and not func.done
        for _ids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_RebuildWorkingDays())


def connect() -> None:
    from simple_history.signals import post_create_historical_record

    for history_model in audit.HISTORY_MODELS.values():
        post_create_historical_record.connect(
            seal_history_record,
            sender=history_model,
            dispatch_uid=f"reporting.seal.{history_model._meta.label}",
        )
    history_bulk_created.connect(
        seal_history_records, dispatch_uid="reporting.seal_history_records"
    )
    complaint_changed.connect(
        invalidate_past_months, sender=Complaint, dispatch_uid="reporting.invalidate_past_months"
    )
    # The models escalation names as the ones that change its default calendar: reporting
    # learns of a change by the sender class, never by a table or label of its own choosing.
    for model in escalation_selectors.working_calendar_models():
        for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
            signal.connect(
                rebuild_working_days,
                sender=model,
                dispatch_uid=f"reporting.rebuild_working_days.{model._meta.label}.{name}",
            )
    complaints_changed.connect(
        invalidate_past_months_in_bulk,
        sender=Complaint,
        dispatch_uid="reporting.invalidate_past_months_in_bulk",
    )
