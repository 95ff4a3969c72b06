"""Reporting's receivers: seal every history record into its complaint's chain, and invalidate
cached figures of the past months a complaint change may alter.

Connected from ``ReportingConfig.ready``. Sealing runs in the writer's transaction (see
``reporting.audit.seal``); invalidation runs after commit (``services.bump_generations``).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save

from complaints.models import Complaint
from complaints.signals import complaint_changed, complaints_changed, history_bulk_created
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


def rebuild_working_days(sender, **kwargs) -> None:
    """A year of the escalation app's calendar was loaded, corrected or confirmed: the
    working-day table mirrors that calendar (``reporting.workdays``), so rebuild it once the
    change is committed instead of waiting for the nightly refresh."""
    transaction.on_commit(lambda: workdays.rebuild(*workdays.default_range()))


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
    # By label, not by class: reporting never imports the escalation app's code.
    post_save.connect(
        rebuild_working_days,
        sender="escalation.CalendarYear",
        dispatch_uid="reporting.rebuild_working_days",
    )
    complaints_changed.connect(
        invalidate_past_months_in_bulk,
        sender=Complaint,
        dispatch_uid="reporting.invalidate_past_months_in_bulk",
    )
