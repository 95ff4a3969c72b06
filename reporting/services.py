"""Reporting's writes: cache generations, cached figures, month-end snapshots, verification runs.

Nothing here changes a complaint or its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from complaints.models import Complaint, Department
from reporting import audit
from reporting.models import (
    ChainVerification,
    MonthGeneration,
    MonthlySnapshot,
    ReportCache,
)
from reporting.months import Month, months_between

# --- cache generations --------------------------------------------------------------------------


def months_touched_by(complaint: Complaint, now: dt.datetime | None = None) -> list[Month]:
    """The finished months whose figures a change to ``complaint`` may alter.

    Every milestone of a complaint lies between its received_at and now, and a change can only
    move a milestone within that span (a re-resolution moves resolved_at from an old month to
    this one). So the months from its reception up to last month cover the old and new values
    without reading the old row.
    """
    now = now or timezone.now()
    if complaint.received_at is None:
        return []
    first = Month.of(complaint.received_at)
    last = Month.of(now).previous
    return months_between(first, last)


def bump_generations(months: list[Month]) -> None:
    """Invalidate the cached figures of ``months``: after the writer's commit, so a reader that
    computed from the old data stores them under the old generation, which no longer matches.
    """
    if not months:
        return
    days = [m.first_day for m in months]

    def bump() -> None:
        MonthGeneration.objects.filter(month__in=days).update(generation=F("generation") + 1)

    transaction.on_commit(bump)


def generations(months: list[Month]) -> dict[Month, int]:
    """Current generation of each month (one query), creating missing rows at 0 first.

    The rows must exist before figures are computed: a bump that finds no row would otherwise
    leave a month at 0 and its stale cache entry valid.
    """
    days = sorted({m.first_day for m in months})
    found = dict(MonthGeneration.objects.filter(month__in=days).values_list("month", "generation"))
    missing = [d for d in days if d not in found]
    if missing:
        MonthGeneration.objects.bulk_create(
            [MonthGeneration(month=d) for d in missing], ignore_conflicts=True
        )
        found = dict(
            MonthGeneration.objects.filter(month__in=days).values_list("month", "generation")
        )
    return {m: found.get(m.first_day, 0) for m in months}


def store_cached(key: str, token: str, payload: Any, *, ttl_seconds: int | None = None) -> None:
    now = timezone.now()
    expires = now + dt.timedelta(seconds=ttl_seconds) if ttl_seconds else None
    ReportCache.objects.bulk_create(
        [ReportCache(key=key, token=token, payload=payload, computed_at=now, expires_at=expires)],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["token", "payload", "computed_at", "expires_at"],
    )


def drop_expired_cache() -> int:
    """Remove cache entries past their expiry (running months, charts nobody reads)."""
    deleted, _ = ReportCache.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


# --- month-end snapshots ------------------------------------------------------------------------


def issue_snapshots(month: Month) -> list[MonthlySnapshot]:
    """Freeze ``month``'s report as issued, for the organisation and every department.

    Idempotent: a scope already issued keeps its first issue (the unique constraint decides
    between two concurrent runs). Refuses a month that has not ended.
    """
    from reporting import selectors

    if not month.is_finished():
        raise ValueError(f"{month} has not ended yet")
    issued = []
    existing = set(
        MonthlySnapshot.objects.filter(month=month.first_day).values_list("scope", flat=True)
    )
    scopes = [selectors.Scope.organisation()] + [
        selectors.Scope.for_department(pk)
        for pk in Department.objects.order_by("pk").values_list("pk", flat=True)
    ]
    for scope in scopes:
        if scope.key in existing:
            continue
        bundle = selectors.compute_bundle(scope, month)
        try:
            with transaction.atomic():
                issued.append(
                    MonthlySnapshot.objects.create(
                        month=month.first_day,
                        scope=scope.key,
                        department_id=scope.department_id,
                        figures=bundle,
                    )
                )
        except IntegrityError:
            continue  # another worker issued it first; theirs stands
    return issued


# --- chain verification runs --------------------------------------------------------------------


def run_chain_verification(progress=None) -> ChainVerification:
    """Verify every chain and record the outcome for the auditors' page."""
    run = ChainVerification.objects.create()
    outcome = audit.verify_all(progress=progress)
    first = outcome.first
    run.finished_at = timezone.now()
    run.complaints_checked = outcome.complaints
    run.records_checked = outcome.records
    run.broken_complaints = len(outcome.breaks)
    run.first_broken = first.as_dict() if first else None
    run.save()
    return run
