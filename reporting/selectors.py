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
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from complaints import datebounds, rules
from complaints.models import Category, Channel, Complaint, Department, Priority
from complaints.people import display_name
from complaints.selectors import all_complaints_for_reports, complaints_visible_to
from reporting import causes, figures, services
from reporting.models import AuditRecord, MonthlySnapshot, ReportCache
from reporting.months import Month

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
class Breakdown:
    key: str
    title: Any
    rows: list[dict[str, Any]]  # name, value, previous, change


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
    previous, last_year = month.previous, month.last_year
    trend_months = [month.shift(-i) for i in range(11, -1, -1)]
    qs = complaints_for(scope, user)

    snapshots: dict[Month, MonthlySnapshot] = {}
    if scope.issued:
        snapshots = {
            Month.of(s.month): s
            for s in MonthlySnapshot.objects.filter(
                scope=scope.key,
                month__in=[m.first_day for m in {previous, last_year, *trend_months}],
            )
        }
    live_months = [month] + [m for m in (previous, last_year) if m not in snapshots]
    untracked = [m for m in trend_months[:-1] if m not in snapshots]
    span = [m for m in trend_months if untracked and untracked[0] <= m <= untracked[-1]]
    cache = _Cached(sorted({*live_months, *span}))

    def bundle_of(m: Month):
        return lambda: figures.month_bundle(qs, m, actions_of=actions_of(scope))

    wanted = {f"bundle:{scope.key}:{m}": ([m], bundle_of(m)) for m in live_months}
    if untracked:
        first, last = untracked[0], untracked[-1]
        wanted[f"trend:{scope.key}:{first}:{last}"] = (
            span,
            lambda: figures.trend(qs, last, months=len(span), actions_of=actions_of(scope)),
        )
    got = cache.get_many(wanted)
    live_bundle = got[f"bundle:{scope.key}:{month}"]
    snapshot = snapshots.get(month)
    showing_issued = snapshot is not None and not live

    def shown(m: Month) -> dict[str, Any]:
        if m == month:
            return snapshot.figures if showing_issued else live_bundle
        if m in snapshots:
            return snapshots[m].figures
        return got[f"bundle:{scope.key}:{m}"]

    computed_trend = {}
    if untracked:
        computed_trend = {
            point["month"]: point for point in got[f"trend:{scope.key}:{first}:{last}"]
        }
    trend = [
        computed_trend[str(m)] if str(m) in computed_trend else figures.trend_point(shown(m))
        for m in trend_months
    ]
    differences = (
        figures.differences(snapshot.figures["figures"], live_bundle["figures"]) if snapshot else {}
    )
    names = _names()
    report = MonthlyReport(
        month=month,
        scope=scope,
        scope_label=_scope_label(scope, names, user),
        bundle=shown(month),
        previous=shown(previous),
        last_year=shown(last_year),
        trend=trend,
        rows=[],
        breakdowns=[],
        league=[],
        improvement_points=[],
        snapshot=snapshot,
        showing_issued=showing_issued,
        differences=differences,
        live_figures=live_bundle["figures"],
    )
    report.rows = _rows(report)
    report.breakdowns = _breakdowns(report.bundle, report.previous, names)
    report.league = _league(report.bundle, names)
    report.improvement_points = improvement_points(report.bundle, report.previous, names)
    report.causes = causes.sections(report.bundle, report.previous, names)
    report.improvement_points += causes.improvement_points(
        report.bundle, report.previous, report.causes["names"]
    )
    causes.link_points(
        report.improvement_points, scope=scope, month=month, complaints=qs, user=user
    )
    return report


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


@dataclass
class _Names:
    departments: dict[int, str]
    categories: dict[int, str]
    category_parent: dict[int, int | None]


def _names() -> _Names:
    categories = list(Category.objects.values_list("pk", "name", "parent_id"))
    return _Names(
        departments=dict(Department.objects.values_list("pk", "name")),
        categories={pk: name for pk, name, _parent in categories},
        category_parent={pk: parent for pk, _name, parent in categories},
    )


def _scope_label(scope: Scope, names: _Names, user) -> Any:
    if scope.kind == "department":
        return names.departments.get(scope.department_id, "?")
    if scope.kind == "personal":
        return _("My complaints (%(name)s)") % {"name": display_name(user)}
    return _("Whole organisation")


NOT_SET = _("(not set)")


def _label(kind: str, value: Any, names: _Names) -> Any:
    if value is None:
        return NOT_SET
    if kind == "department":
        return names.departments.get(value, value)
    if kind in ("category", "top_category"):
        return names.categories.get(value, value)
    if kind == "channel":
        return Channel(value).label if value in Channel.values else value
    if kind == "priority":
        return Priority(value).label if value in Priority.values else value
    return value


def _top_level(pairs: list[list[Any]], names: _Names) -> list[list[Any]]:
    """Leaf-category counts folded into their top-level category (a few dozen groups)."""
    totals: dict[Any, int] = {}
    for pk, n in pairs:
        top = names.category_parent.get(pk) or pk
        totals[top] = totals.get(top, 0) + n
    return [[pk, n] for pk, n in totals.items()]


BREAKDOWN_TITLES = {
    "top_category": _("By category"),
    "category": _("By sub-category"),
    "channel": _("By channel"),
    "department": _("By department"),
    "priority": _("By priority"),
}


def _breakdowns(current: dict, previous: dict, names: _Names) -> list[Breakdown]:
    result = []
    for kind in ("top_category", "category", "channel", "department", "priority"):
        source = "category" if kind == "top_category" else kind
        now_pairs = current["breakdowns"][source]
        before_pairs = previous["breakdowns"][source]
        if kind == "top_category":
            now_pairs, before_pairs = _top_level(now_pairs, names), _top_level(before_pairs, names)
        now = {pk: n for pk, n in now_pairs}
        before = {pk: n for pk, n in before_pairs}
        rows = [
            {
                "id": pk,
                "name": _label(kind, pk, names),
                "value": now.get(pk, 0),
                "previous": before.get(pk, 0),
                "change": now.get(pk, 0) - before.get(pk, 0),
            }
            for pk in set(now) | set(before)
        ]
        rows.sort(key=lambda r: (-r["value"], -r["previous"], str(r["name"])))
        result.append(Breakdown(key=kind, title=BREAKDOWN_TITLES[kind], rows=rows))
    return result


_pct = figures.percent


def _league(bundle: dict, names: _Names) -> list[dict[str, Any]]:
    return [
        {
            "department_id": row["department_id"],
            "name": _label("department", row["department_id"], names),
            "received": row["received"],
            "resolved": row["resolved"],
            "on_time_rate": _pct(row["on_time"]),
            "satisfaction_rate": _pct(row["satisfaction"]),
            "repeats": row["repeats"],
        }
        for row in bundle["league"]
    ]


MIN_IMPROVEMENT_POINTS = 2  # DOMAIN.md: at least two improvement points a month


def improvement_points(current: dict, previous: dict, names: _Names) -> list[dict[str, Any]]:
    """Categories and units that got worse (整改要点): the sub-categories that grew most since
    last month, the departments whose on-time or satisfaction rate fell most, and, when fewer
    than two got worse, the highest-volume sub-categories so there are always two to act on."""
    now = {pk: n for pk, n in current["breakdowns"]["category"]}
    before = {pk: n for pk, n in previous["breakdowns"]["category"]}
    points: list[dict[str, Any]] = []
    grown = sorted(
        (pk for pk in now if pk is not None and now[pk] > before.get(pk, 0)),
        key=lambda pk: (-(now[pk] - before.get(pk, 0)), -now[pk], pk),
    )
    for pk in grown[:3]:
        points.append(
            {
                "kind": "category",
                "id": pk,
                "name": _label("category", pk, names),
                "reason": _("%(now)s complaints, up %(delta)s from %(before)s last month")
                % {
                    "now": now[pk],
                    "delta": now[pk] - before.get(pk, 0),
                    "before": before.get(pk, 0),
                },
            }
        )
    previous_league = {row["department_id"]: row for row in previous["league"]}
    falls = []
    for row in current["league"]:
        before_row = previous_league.get(row["department_id"])
        if before_row is None or row["department_id"] is None:
            continue
        for metric, title in (
            ("on_time", _("on-time rate")),
            ("satisfaction", _("satisfaction rate")),
        ):
            a, b = _pct(before_row[metric]), _pct(row[metric])
            if a is not None and b is not None and b < a:
                falls.append((a - b, row["department_id"], title, a, b))
    for _drop, dept, title, a, b in sorted(falls, key=lambda f: (-f[0], f[1]))[:2]:
        points.append(
            {
                "kind": "department",
                "id": dept,
                "name": _label("department", dept, names),
                "reason": _("%(metric)s fell from %(before)s%% to %(now)s%%")
                % {"metric": title, "before": a, "now": b},
            }
        )
    if len(points) < MIN_IMPROVEMENT_POINTS:
        listed = set(grown[:3])
        for pk in sorted(
            (pk for pk in now if pk is not None and pk not in listed), key=lambda p: (-now[p], p)
        ):
            if len(points) >= MIN_IMPROVEMENT_POINTS:
                break
            points.append(
                {
                    "kind": "category",
                    "id": pk,
                    "name": _label("category", pk, names),
                    "reason": _("highest volume this month: %(now)s complaints") % {"now": now[pk]},
                }
            )
    return points


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
