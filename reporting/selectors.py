"""Reads of the reporting app: who sees which report, the cached figures, the report page's
content, the month's complaint list and the audit log.

Every read starts from ``complaints.selectors.complaints_visible_to(user)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, JSONField, Q, QuerySet, When
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints import datebounds, rules
from complaints.models import Complaint, Department
from complaints.people import display_name
from complaints.selectors import all_complaints_for_reports, complaints_visible_to
from reporting import causes, figures, sections, services
from reporting.models import AuditRecord, MonthlySnapshot, ReportCache
from reporting.months import Month
from reporting.sections import Breakdown, Names

# --- scope --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose complaints a report covers: the organisation, one department, or one handler."""

    kind: str  # "org" | "department" | "personal"
    department_id: int | None = None
    user_id: int | None = None

    @classmethod
    def organisation(cls) -> Scope:
        return cls("org")

    @classmethod
    def for_department(cls, department_id: int) -> Scope:
        return cls("department", department_id=department_id)

    @classmethod
    def personal(cls, user) -> Scope:
        return cls("personal", user_id=user.pk)

    @property
    def key(self) -> str:
        if self.kind == "department":
            return f"dept-{self.department_id}"
        if self.kind == "personal":
            return f"user-{self.user_id}"
        return "org"

    @property
    def issued(self) -> bool:
        """Month-end snapshots are issued for the organisation and each department."""
        return self.kind != "personal"


def may_choose_department(user) -> bool:
    return rules.tier_of(user) in (rules.GM, rules.AUDITOR)


def resolve_scope(user, department: str | None = None) -> Scope:
    """Which report ``user`` gets: GM and auditors the organisation or any department they
    pick; a department manager their department; frontline staff their own complaints.

    This only chooses the report; it grants nothing. The complaints it covers are always
    narrowed from what ``user`` may see (``complaints_for``), so the visibility function
    decides, and its test table covers, every report. A department that does not exist is a
    404; a manager asking for another department a 403.
    """
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        if not department:
            return Scope.organisation()
        if not department.isdigit() or not Department.objects.filter(pk=department).exists():
            raise Http404(department)
        return Scope.for_department(int(department))
    if tier == rules.MANAGER:
        own = rules.department_id_of(user)
        if department and department != str(own):
            raise PermissionDenied
        return Scope.for_department(own)
    if tier == rules.FRONTLINE:
        return Scope.personal(user)
    raise PermissionDenied


def complaints_for(scope: Scope, user=None) -> QuerySet[Complaint]:
    """The complaints a report of ``scope`` covers: what ``user`` may see
    (``complaints_visible_to``), narrowed to the scope's department or handler. ``user`` None
    is the system issuing month-end snapshots, which reads ``all_complaints_for_reports`` (what
    the GM sees)."""
    qs = complaints_visible_to(user) if user is not None else all_complaints_for_reports()
    if scope.kind == "department":
        return qs.filter(department_id=scope.department_id)
    if scope.kind == "personal":
        return qs.filter(assignee_id=scope.user_id)
    return qs


def compute_bundle(scope: Scope, month: Month, user=None) -> dict[str, Any]:
    return figures.month_bundle(complaints_for(scope, user), month, actions_of=actions_of(scope))


def actions_of(scope: Scope) -> dict[str, Any] | None:
    """The scope as columns of a complaint history row (see ``figures.month_bundle``)."""
    if scope.kind == "department":
        return {"department_id": scope.department_id}
    if scope.kind == "personal":
        return {"assignee_id": scope.user_id}
    return None


# --- cached figures -----------------------------------------------------------------------------


# The token of an entry for a running month, which expires instead of being invalidated.
LIVE = "live"


class _Cached:
    """Fetches several cached entries in one query and computes the missing ones.

    A finished month's entry is valid while its token (the generations of the months it was
    computed from) matches; the running month's entry lives for a short time only.
    """

    def __init__(self, months: list[Month]) -> None:
        now = timezone.now()
        self.now = now
        self.finished = {m for m in months if m.is_finished(now)}
        self.gens = services.generations(sorted(self.finished)) if self.finished else {}

    def token(self, months: list[Month]) -> str | None:
        """None when a running month is involved (time-limited entry)."""
        if any(m not in self.finished for m in months):
            return None
        return ".".join(str(self.gens[m]) for m in months)

    def get_many(self, wanted: dict[str, tuple[list[Month], Any]]) -> dict[str, Any]:
        """``wanted``: key → (months it depends on, function computing it)."""
        found = {
            entry.key: entry
            for entry in ReportCache.objects.filter(key__in=list(wanted)).only(
                "key", "token", "payload", "expires_at"
            )
        }
        result = {}
        for key, (months, compute) in wanted.items():
            token = self.token(months)
            entry = found.get(key)
            if entry is not None and (
                (token is not None and entry.token == token)
                or (
                    token is None
                    and entry.token == LIVE
                    and entry.expires_at
                    and entry.expires_at > self.now
                )
            ):
                result[key] = entry.payload
                continue
            payload = compute()
            if token is None:
                ttl = settings.REDRESS_REPORT_LIVE_CACHE_SECONDS
                if ttl > 0:
                    services.store_cached(key, LIVE, payload, ttl_seconds=ttl)
            else:
                services.store_cached(key, token, payload)
            result[key] = payload
        return result


# --- the report page ----------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: Any
    kind: str
    value: Any
    previous: Any
    last_year: Any
    target: tuple[int, str] | None = None
    changed: bool = False
    # When the figure changed after issue: the live value beside an issued one, or the issued
    # value beside a live one.
    other: Any = None

    @property
    def meets_target(self) -> bool | None:
        if self.target is None or self.value is None:
            return None
        goal, direction = self.target
        return self.value >= goal if direction == "min" else self.value <= goal


@dataclass
class MonthlyReport:
    month: Month
    scope: Scope
    scope_label: Any
    bundle: dict[str, Any]
    previous: dict[str, Any]
    last_year: dict[str, Any]
    trend: list[dict[str, Any]]
    rows: list[Row]
    breakdowns: list[Breakdown]
    league: list[dict[str, Any]]
    improvement_points: list[dict[str, Any]]
    snapshot: MonthlySnapshot | None = None
    showing_issued: bool = False
    differences: dict[str, Any] = field(default_factory=dict)
    live_figures: dict[str, Any] | None = None
    causes: dict[str, Any] = field(default_factory=dict)

    @property
    def medians_available(self) -> bool:
        return bool(self.bundle.get("medians"))


def monthly_report(user, scope: Scope, month: Month, *, live: bool = False) -> MonthlyReport:
    """Everything the report page, its exports and the API show for ``month``.

    The month itself is computed (or read from the cache) live, and shown as issued when its
    month-end report exists, with the differences. The comparison months and the twelve-month
    trend are the reports of record: the issued figures where they exist, a computation (cached)
    where they do not. So in the steady state, with every past month issued, a report costs one
    month's computation when cold, and a handful of small queries when cached.
    """
    qs = complaints_for(scope, user)
    shown = _report_figures(qs, scope, month, live=live)
    snapshot = shown.snapshots.get(month)
    names = sections.names()
    report = MonthlyReport(
        month=month,
        scope=scope,
        scope_label=_scope_label(scope, names, user),
        bundle=shown.of(month),
        previous=shown.of(month.previous),
        last_year=shown.of(month.last_year),
        trend=shown.trend(),
        rows=[],
        breakdowns=[],
        league=[],
        improvement_points=[],
        snapshot=snapshot,
        showing_issued=shown.showing_issued,
        differences=(
            figures.differences(snapshot.figures["figures"], shown.live_bundle["figures"])
            if snapshot
            else {}
        ),
        live_figures=shown.live_bundle["figures"],
    )
    _add_sections(report, names, complaints=qs, user=user)
    return report


def _trend_months(month: Month) -> list[Month]:
    return [month.shift(-i) for i in range(11, -1, -1)]


@dataclass
class _ShownFigures:
    """The bundles a monthly report shows: the month live (or as issued), and for the other
    months the issued snapshot where there is one, else a (cached) computation."""

    month: Month
    live: bool
    snapshots: dict[Month, MonthlySnapshot]
    computed: dict[str, Any]  # cache key → bundle, or the untracked trend's points
    scope_key: str
    trend_key: str | None  # the computed trend's key, when some trend months were not issued

    @property
    def live_bundle(self) -> dict[str, Any]:
        return self.computed[f"bundle:{self.scope_key}:{self.month}"]

    @property
    def showing_issued(self) -> bool:
        return self.month in self.snapshots and not self.live

    def of(self, m: Month) -> dict[str, Any]:
        if m == self.month:
            return self.snapshots[m].figures if self.showing_issued else self.live_bundle
        if m in self.snapshots:
            return self.snapshots[m].figures
        return self.computed[f"bundle:{self.scope_key}:{m}"]

    def trend(self) -> list[dict[str, Any]]:
        points = {}
        if self.trend_key is not None:
            points = {point["month"]: point for point in self.computed[self.trend_key]}
        return [
            points[str(m)]
            if str(m) in points
            else self.snapshots[m].trend_point
            if m != self.month and m in self.snapshots
            else figures.trend_point(self.of(m))
            for m in _trend_months(self.month)
        ]


def _report_figures(qs: QuerySet[Complaint], scope: Scope, month: Month, *, live: bool):
    """Read the issued snapshots of the comparison and trend months, then the cached (or
    computed) bundles of the month itself and of the months not issued, in one cache query."""
    previous, last_year = month.previous, month.last_year
    trend_months = _trend_months(month)
    snapshots: dict[Month, MonthlySnapshot] = {}
    if scope.issued:
        snapshots = _issued(scope, {month, previous, last_year}, trend_months)
    live_months = [month] + [m for m in (previous, last_year) if m not in snapshots]
    untracked = [m for m in trend_months[:-1] if m not in snapshots]
    span = [m for m in trend_months if untracked and untracked[0] <= m <= untracked[-1]]
    cache = _Cached(sorted({*live_months, *span}))

    def bundle_of(m: Month):
        return lambda: figures.month_bundle(qs, m, actions_of=actions_of(scope))

    wanted = {f"bundle:{scope.key}:{m}": ([m], bundle_of(m)) for m in live_months}
    trend_key = None
    if untracked:
        first, last = untracked[0], untracked[-1]
        trend_key = f"trend:{scope.key}:{first}:{last}"
        wanted[trend_key] = (
            span,
            lambda: figures.trend(qs, last, months=len(span), actions_of=actions_of(scope)),
        )
    return _ShownFigures(
        month, live, snapshots, cache.get_many(wanted), scope_key=scope.key, trend_key=trend_key
    )


# What a trend point reads of an issued bundle (``figures.trend_point``).
TREND_FIGURES = ["received", "resolved", "on_time_rate", "satisfaction_rate"]


def _issued(scope: Scope, shown: set[Month], trend_months: list[Month]):
    """The issued snapshots of ``shown`` (whole) and of ``trend_months`` (the trend point only:
    a bundle is tens of kilobytes of JSON, and ten of the twelve trend months need four figures
    of it), in one query. Each snapshot gets ``trend_point``."""
    whole = [m.first_day for m in shown]
    rows = (
        MonthlySnapshot.objects.filter(
            scope=scope.key, month__in=[m.first_day for m in {*shown, *trend_months}]
        )
        .defer("figures")
        .annotate(
            whole=Case(When(month__in=whole, then=F("figures")), output_field=JSONField()),
            **{
                f"trend_{k}": KeyTransform(k, KeyTransform("figures", "figures"))
                for k in TREND_FIGURES
            },
        )
    )
    snapshots = {}
    for snapshot in rows:
        month = Month.of(snapshot.month)
        if snapshot.whole is not None:
            snapshot.figures = snapshot.whole
        snapshot.trend_point = {
            "month": str(month),
            **{k: getattr(snapshot, f"trend_{k}") for k in TREND_FIGURES},
        }
        snapshots[month] = snapshot
    return snapshots


def _add_sections(report: MonthlyReport, names: Names, *, complaints, user) -> None:
    """The report's rows, breakdowns, league table, causes and improvement points (linked to
    the complaints behind them), from the bundles shown."""
    report.rows = _rows(report)
    report.breakdowns = sections.breakdowns(report.bundle, report.previous, names)
    report.league = sections.league(report.bundle, names)
    report.improvement_points = sections.improvement_points(report.bundle, report.previous, names)
    report.causes = causes.sections(report.bundle, report.previous, names)
    report.improvement_points += causes.improvement_points(
        report.bundle, report.previous, report.causes["names"]
    )
    causes.link_points(
        report.improvement_points,
        scope=report.scope,
        month=report.month,
        complaints=complaints,
        user=user,
    )


def fingerprint(report: MonthlyReport) -> dict[str, Any]:
    """Everything the rendered report shows, as plain data (for the page cache's digest)."""
    return {
        "month": str(report.month),
        "scope": report.scope.key,
        "scope_label": str(report.scope_label),
        "rows": [
            [r.key, str(r.label), r.value, r.previous, r.last_year, r.changed, r.other]
            for r in report.rows
        ],
        "breakdowns": [
            [b.key, str(b.title), [[str(r["name"]), r["value"], r["previous"]] for r in b.rows]]
            for b in report.breakdowns
        ],
        "league": [{**row, "name": str(row["name"])} for row in report.league],
        "points": [
            [
                p["kind"],
                str(p["name"]),
                str(p["reason"]),
                p.get("complaints_url"),
                p.get("action_url"),
            ]
            for p in report.improvement_points
        ],
        "causes": causes.fingerprint(report.causes),
        "trend": report.trend,
        "snapshot": [report.snapshot.pk, report.snapshot.issued_at] if report.snapshot else None,
        "showing_issued": report.showing_issued,
        "differences": report.differences,
        "medians": report.medians_available,
    }


def _rows(report: MonthlyReport) -> list[Row]:
    rows = []
    current = report.bundle["figures"]
    for key, label, kind in figures.HEADLINE:
        rows.append(
            Row(
                key=key,
                label=label,
                kind=kind,
                value=figures.value(current, key),
                previous=figures.value(report.previous["figures"], key),
                last_year=figures.value(report.last_year["figures"], key),
                target=figures.TARGETS.get(key),
                changed=key in report.differences,
                other=report.differences.get(key, {}).get(
                    "live" if report.showing_issued else "issued"
                ),
            )
        )
    return rows


def _scope_label(scope: Scope, names: Names, user) -> Any:
    if scope.kind == "department":
        return names.departments.get(scope.department_id, "?")
    if scope.kind == "personal":
        return _("My complaints (%(name)s)") % {"name": display_name(user)}
    return _("Whole organisation")


# --- the month's complaint list (exports) -------------------------------------------------------


def month_complaints(user, scope: Scope, month: Month) -> QuerySet[Complaint]:
    """The complaints received in ``month`` in ``scope``, oldest first, for the list exports.

    Index: cmp_received_idx (received_at range), or cmp_dept_state_recv_idx for a department.
    """
    return (
        complaints_for(scope, user)
        .filter(received_at__gte=month.start, received_at__lt=month.end)
        .order_by("received_at", "id")
    )


# --- the audit log ------------------------------------------------------------------------------


def may_read_audit_log(user) -> bool:
    return rules.tier_of(user) in (rules.MANAGER, rules.GM, rules.AUDITOR)


def may_verify_chain(user) -> bool:
    return rules.tier_of(user) in (rules.GM, rules.AUDITOR)


def audit_records(user, filters: dict[str, Any]) -> QuerySet[AuditRecord]:
    """Sealed history records ``user`` may read, filtered, newest first.

    Served by the audit_*_idx indexes (each ends in history_date DESC); a department manager's
    rows are restricted to complaints the visibility function gives them.
    """
    if not may_read_audit_log(user):
        raise PermissionDenied
    qs = AuditRecord.objects.select_related("complaint", "user").order_by("-history_date", "-id")
    if rules.tier_of(user) == rules.MANAGER:
        qs = qs.filter(complaint__in=complaints_visible_to(user))
    if filters.get("user"):
        qs = qs.filter(user__username=filters["user"])
    if filters.get("since"):
        qs = qs.filter(history_date__gte=_day_start(filters["since"]))
    if filters.get("until"):
        qs = qs.filter(history_date__lt=_day_start(filters["until"] + dt.timedelta(days=1)))
    if filters.get("department"):
        qs = qs.filter(department_id=filters["department"].pk)
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("field"):
        qs = qs.filter(changed_fields__contains=f",{filters['field']},")
    if filters.get("reference"):
        qs = qs.filter(complaint__reference=filters["reference"])
    return qs


def _day_start(day: dt.date) -> dt.datetime:
    from reporting.months import zone

    return dt.datetime(day.year, day.month, day.day, tzinfo=zone())


def page_after(qs: QuerySet[AuditRecord], cursor: str | None, size: int):
    """One page of the log by keyset (history_date, id) instead of OFFSET and COUNT(*).

    Returns (rows, next cursor or None). A malformed cursor is a 404.
    """
    if cursor:
        try:
            stamp, _sep, pk = cursor.rpartition("_")
            moment = dt.datetime.fromisoformat(stamp)
            pk = int(pk)
        except ValueError as exc:
            raise Http404("bad cursor") from exc
        if moment.tzinfo is None or not datebounds.in_bounds(moment):
            raise Http404("bad cursor")
        qs = qs.filter(Q(history_date__lt=moment) | Q(history_date=moment, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = f"{rows[-1].history_date.isoformat()}_{rows[-1].pk}" if more else None
    return rows, next_cursor


def language() -> str:
    return get_language() or settings.LANGUAGE_CODE
