"""Issuing (freezing) quarterly and annual reports. Nothing here changes a complaint.

A quarter or a year is finished when its last month is finished. Its report is then issued for
the organisation and every department, once, from the issued month-end reports of its months
(issued first if they were not): so its counts are exactly the sums of those frozen months, and
a later correction of a past complaint changes neither.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from complaints.models import Department
from reporting import services
from reporting.models import MonthlySnapshot, PeriodSnapshot
from reporting.months import Month
from reporting.periods import Period


def issue_period_snapshots(period: Period) -> list[PeriodSnapshot]:
    """Freeze ``period``'s report for the organisation and every department.

    Preconditions: the period is finished (else ValueError). Side effects: issues the month-end
    reports of its months that were not issued yet (``services.issue_snapshots``), then one
    ``PeriodSnapshot`` per scope not yet issued. Idempotent: a scope already issued keeps its
    first issue (the unique constraint decides between two concurrent runs).
    """
    from reporting import period_selectors, selectors

    if not period.is_finished():
        raise ValueError(f"{period} has not ended yet")
    for month in period.months:
        services.issue_snapshots(month)
    existing = set(
        PeriodSnapshot.objects.filter(period=str(period)).values_list("scope", flat=True)
    )
    scopes = [selectors.Scope.organisation()] + [
        selectors.Scope.for_department(pk)
        for pk in Department.objects.order_by("pk").values_list("pk", flat=True)
    ]
    issued = []
    for scope in scopes:
        if scope.key in existing:
            continue
        months = {
            Month.of(s.month): s.figures
            for s in MonthlySnapshot.objects.filter(
                scope=scope.key, month__in=[m.first_day for m in period.months]
            )
        }
        bundle = period_selectors.compute_period(scope, period, month_bundles=months)
        try:
            with transaction.atomic():
                issued.append(
                    PeriodSnapshot.objects.create(
                        period=str(period),
                        scope=scope.key,
                        department_id=scope.department_id,
                        figures=bundle,
                    )
                )
        except IntegrityError:
            continue  # another worker issued it first; theirs stands
    return issued


def issue_finished_periods(month: Month) -> list[PeriodSnapshot]:
    """Issue the quarter and the year that ``month`` ends, if it ends one (the month-end task
    calls this with last month, so it catches up on the next run after a missed one)."""
    issued = []
    if month.month % 3 == 0:
        issued += issue_period_snapshots(Period(month.year, month.month // 3))
    if month.month == 12:
        issued += issue_period_snapshots(Period(month.year))
    return issued
