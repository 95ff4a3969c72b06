"""The quarterly and annual reports: the monthly report's figures over a quarter or a year.

Every read starts from ``complaints.selectors.complaints_visible_to(user)`` through
``selectors.complaints_for`` and the scope rules of ``selectors.resolve_scope``, exactly as the
monthly report. The figures of a period are summed from its months of record
(``reporting.periods.combine``): the issued month-end report of each month where it exists, else
the month's computation (the same cache entries the monthly page uses). A finished period whose
report was issued (``PeriodSnapshot``) shows it as issued; a running one is provisional.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from reporting import actions_section, figures, sections, selectors
from reporting.models import MonthlySnapshot, PeriodSnapshot
from reporting.months import Month, zone
from reporting.periods import Period, combine
from reporting.sections import Breakdown
from reporting.selectors import Scope, complaints_for
from reporting.sql import duration_stats, medians_supported

# Labels that differ from the monthly report's wording.
PERIOD_LABELS = {"open_at_month_end": _("Still open at the end of the period")}


def period_durations(complaints, period: Period) -> dict[str, Any]:
    """Means and medians of the times to first response and to resolution over the whole
    period (these cannot be summed from months), in calendar and working hours."""
    from reporting import workdays

    earliest = complaints.order_by("received_at").values_list("received_at", flat=True).first()
    workdays.ensure(
        (earliest or period.start).astimezone(zone()).date(),
        period.end.astimezone(zone()).date(),
    )
    times = duration_stats(
        complaints, period, {"resolution": "resolved_at", "first_response": "first_response_at"}
    )
    return {
        **figures._durations(times["first_response"], "first_response"),
        **figures._durations(times["resolution"], "resolution"),
    }


def compute_period(
    scope: Scope, period: Period, user=None, *, month_bundles: dict[Month, dict] | None = None
) -> dict[str, Any]:
    """The period's bundle, computed now: its months from ``month_bundles`` where given (the
    issued ones), the others and the durations computed (or read from the cache)."""
    return of_record(user, scope, [period], {}, month_bundles=month_bundles)[period]


def of_record(
    user,
    scope: Scope,
    periods: list[Period],
    issued: dict[Period, PeriodSnapshot],
    *,
    live: Period | None = None,
    month_bundles: dict[Month, dict] | None = None,
) -> dict[Period, dict[str, Any]]:
    """Each period's bundle of record: its issued report, else the sum of its months of record
    (issued month-end reports, else computed) with its durations. ``live`` is recomputed from
    the live months whatever was issued."""
    need = [p for p in periods if p not in issued or p == live]
    qs = complaints_for(scope, user)
    months = sorted({m for p in need for m in p.started()})
    snapshots: dict[Month, dict] = dict(month_bundles or {})
    if scope.issued and months and month_bundles is None:
        # One query, on the unique (month, scope) index of the month-end reports.
        snapshots = {
            Month.of(s.month): s.figures
            for s in MonthlySnapshot.objects.filter(
                scope=scope.key, month__in=[m.first_day for m in months]
            ).only("month", "figures")
        }
    live_months = set(live.started()) if live else set()
    compute = [m for m in months if m not in snapshots or m in live_months]

    def bundle_of(m: Month):
        return lambda: figures.month_bundle(qs, m, actions_of=selectors.actions_of(scope))

    def durations_of(p: Period):
        return lambda: period_durations(qs, p)

    wanted = {f"bundle:{scope.key}:{m}": ([m], bundle_of(m)) for m in compute}
    for p in need:
        if p.started():
            wanted[f"durations:{scope.key}:{p}"] = (p.started(), durations_of(p))
    got = selectors._Cached(months).get_many(wanted) if wanted else {}
    result = {}
    for p in periods:
        if p in issued and p != live:
            result[p] = issued[p].figures
            continue
        bundles = [
            got[f"bundle:{scope.key}:{m}"]
            if m in live_months or m not in snapshots
            else snapshots[m]
            for m in p.started()
        ]
        bundle = combine(p, bundles, got.get(f"durations:{scope.key}:{p}", {}))
        bundle["medians"] = bool(bundles) and medians_supported()
        bundle["trend"] = [figures.trend_point(b) for b in bundles]
        result[p] = bundle
    return result


@dataclass
class PeriodRow:
    key: str
    label: Any
    kind: str
    value: Any
    last_year: Any
    target: tuple[int, str] | None = None
    changed: bool = False
    other: Any = None

    @property
    def change(self) -> Any:
        """This period minus the same period last year (percentage points for rates)."""
        if self.value is None or self.last_year is None:
            return None
        return self.value - self.last_year

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        goal, direction = self.target
        return self.value >= goal if direction == "min" else self.value <= goal


@dataclass
class PeriodReport:
    period: Period
    scope: Scope
    scope_label: Any
    bundle: dict[str, Any]
    last_year: dict[str, Any]
    rows: list[PeriodRow]
    breakdowns: list[Breakdown]
    league: list[dict[str, Any]]
    snapshot: PeriodSnapshot | None = None
    showing_issued: bool = False
    provisional: bool = False
    differences: dict[str, Any] = field(default_factory=dict)
    extra_sections: list[dict[str, Any]] = field(default_factory=list)

    @property
    def trend(self) -> list[dict[str, Any]]:
        return self.bundle.get("trend", [])

    @property
    def last_year_trend(self) -> list[dict[str, Any]]:
        return self.last_year.get("trend", [])

    @property
    def medians_available(self) -> bool:
        return bool(self.bundle.get("medians"))

    @property
    def month(self) -> Period:
        # The breakdown helpers and charts name the report's column by its ``month``.
        return self.period


def period_report(user, scope: Scope, period: Period, *, live: bool = False) -> PeriodReport:
    """Everything the quarterly or annual page, its exports and its API show for ``period``,
    beside the same period of the previous year."""
    last_year = period.last_year
    issued: dict[Period, PeriodSnapshot] = {}
    if scope.issued:
        issued = {
            Period.parse(s.period): s
            for s in PeriodSnapshot.objects.filter(
                scope=scope.key, period__in=[str(period), str(last_year)]
            )
        }
    snapshot = issued.get(period)
    showing_issued = snapshot is not None and not live
    bundles = of_record(
        user, scope, [period, last_year], issued, live=period if snapshot and live else None
    )
    current = bundles[period]
    differences = {}
    if snapshot is not None and live:
        differences = figures.differences(snapshot.figures["figures"], current["figures"])
    names = sections.names()
    report = PeriodReport(
        period=period,
        scope=scope,
        scope_label=selectors._scope_label(scope, names, user),
        bundle=current,
        last_year=bundles[last_year],
        rows=[],
        breakdowns=sections.breakdowns(current, bundles[last_year], names),
        league=sections.league(current, names),
        snapshot=snapshot,
        showing_issued=showing_issued,
        provisional=not period.is_finished(),
        differences=differences,
    )
    report.rows = _rows(report)
    actions = actions_section.section(user, scope, period.start, period.end)
    if actions:
        report.extra_sections.append(actions)
    return report


def _rows(report: PeriodReport) -> list[PeriodRow]:
    now, before = report.bundle["figures"], report.last_year["figures"]
    return [
        PeriodRow(
            key=key,
            label=PERIOD_LABELS.get(key, label),
            kind=kind,
            value=figures.value(now, key),
            last_year=figures.value(before, key),
            target=figures.TARGETS.get(key),
            changed=key in report.differences,
            other=report.differences.get(key, {}).get("issued"),
        )
        for key, label, kind in figures.HEADLINE
    ]


def fingerprint(report: PeriodReport) -> dict[str, Any]:
    """Everything the rendered period report shows, as plain data (the page cache's digest)."""
    return {
        "period": str(report.period),
        "scope": report.scope.key,
        "scope_label": str(report.scope_label),
        "rows": [
            [r.key, str(r.label), r.value, r.last_year, r.changed, r.other] for r in report.rows
        ],
        "breakdowns": [
            [b.key, str(b.title), [[str(r["name"]), r["value"], r["previous"]] for r in b.rows]]
            for b in report.breakdowns
        ],
        "league": [{**row, "name": str(row["name"])} for row in report.league],
        "trend": report.trend,
        "last_year_trend": report.last_year_trend,
        "snapshot": [report.snapshot.pk, report.snapshot.issued_at] if report.snapshot else None,
        "showing_issued": report.showing_issued,
        "provisional": report.provisional,
        "differences": report.differences,
        "medians": report.medians_available,
        "sections": report.extra_sections,
    }


def first_year() -> int:
    return settings.REDRESS_REPORT_CALENDAR_FIRST_YEAR


def as_number(value: Any) -> float | None:
    return None if value is None else float(Decimal(value))


def period_complaints(user, scope: Scope, period: Period):
    """The complaints received in ``period`` in ``scope``, oldest first, for the list exports
    (the monthly list's query over the period's bounds; index cmp_received_idx)."""
    return selectors.month_complaints(user, scope, period)
