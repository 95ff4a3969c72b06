"""Reporting's receivers: seal every history record into its complaint's chain, and invalidate
cached figures of the past months a complaint change may alter.

Connected from ``ReportingConfig.ready``. Sealing runs in the writer's transaction (see
``reporting.audit.seal``); invalidation runs after commit (``services.bump_generations``).
"""

from __future__ import annotations

from complaints.models import Complaint
from complaints.signals import complaint_changed
from reporting import audit, services


def seal_history_record(sender, history_instance, **kwargs) -> None:
    audit.seal(history_instance)


def invalidate_past_months(sender, complaint: Complaint, **kwargs) -> None:
    services.bump_generations(services.months_touched_by(complaint))


def connect() -> None:
    from simple_history.signals import post_create_historical_record

    for history_model in audit.HISTORY_MODELS.values():
        post_create_historical_record.connect(
            seal_history_record,
            sender=history_model,
            dispatch_uid=f"reporting.seal.{history_model._meta.label}",
        )
    complaint_changed.connect(
        invalidate_past_months, sender=Complaint, dispatch_uid="reporting.invalidate_past_months"
    )
