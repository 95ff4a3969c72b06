"""Root causes (溯源) in the reports: the month's coded causes and the recurring ones.

Definitions (README.md, "Root causes in the reports and recurring causes"):

- A complaint counts for its coded cause (``Complaint.cause``) in the month of its resolution
  (``resolved_at``), like "resolved" in the headline; a complaint resolved without a coded cause
  is left out. A complaint reopened and resolved again counts in the month of its latest
  resolution, with the cause chosen then.
- "Top level" folds each finer cause into its parent; "finer" is the cause as chosen.
- The month's cause figures are part of the month's bundle (``figures.month_bundle``), so a
  month-end report (``MonthlySnapshot``) freezes them with the rest, and a report issued before
  causes were counted shows them as not recorded rather than recomputed.
- A recurring cause is a finer cause with at least ``REDRESS_RECURRING_CAUSE_MIN`` complaints
  resolved within the chosen window (the last 30/90/180/365 days) and no open corrective action.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.models import Complaint, RootCause
from improvement import selectors as improvement_selectors
from reporting.months import Month

# The corrective-action link carries at most this many references (the latest resolved).
ACTION_REFERENCES = 50
# The recurring-causes page lists this many of each cause's latest complaints.
RECENT_REFERENCES = 20
WINDOWS = (30, 90, 180, 365)
DEFAULT_WINDOW = 90


# --- the month's figures (part of the bundle) ---------------------------------------------------


def month_causes(complaints: QuerySet[Complaint], month: Month) -> list[list[Any]]:
    """[[cause_id, department_id, category_id, n], ...] for the complaints resolved in
    ``month`` with a coded cause: one GROUP BY over the month's resolutions.

    Index: cmp_cause_resolved_idx (cause, resolved_at) WHERE cause IS NOT NULL, or
    cmp_resolved_at_idx for the month's range; the groups are a few hundred at most (causes ×
    departments × categories that occurred), never complaint rows.
    """
    rows = (
        complaints.filter(
            cause__isnull=False, resolved_at__gte=month.start, resolved_at__lt=month.end
        )
        .values_list("cause_id", "department_id", "category_id")
        .annotate(n=Count("pk"))
        .order_by("cause_id", "department_id", "category_id")
    )
    return [list(row) for row in rows]


# --- the report's tables ------------------------------------------------------------------------


@dataclass(frozen=True)
class CauseName:
    code: str
    name: str
    parent_id: int | None


def cause_names(ids: set[int]) -> dict[int, CauseName]:
    """Codes and names of ``ids`` and their parents: one query on the small catalogue."""
    if not ids:
        return {}
    rows = RootCause.objects.filter(pk__in=ids).values_list(
        "pk", "code", "name", "parent_id", "parent__code", "parent__name"
    )
    names: dict[int, CauseName] = {}
    for pk, code, name, parent_id, parent_code, parent_name in rows:
        names[pk] = CauseName(code, name, parent_id)
        if parent_id:
            names.setdefault(parent_id, CauseName(parent_code, parent_name, None))
    return names


TABLES = {
    "top": _("By root cause (top level)"),
    "finer": _("By root cause"),
    "department": _("By root cause and department"),
    "category": _("By root cause and category"),
}


def _folded(groups: list[list[Any]], kind: str, names: dict[int, CauseName]) -> dict[tuple, int]:
    """The bundle's groups added up into one table's keys (a few hundred groups at most)."""
    totals: dict[tuple, int] = {}
    for cause_id, department_id, category_id, n in groups:
        if kind == "top":
            key: tuple = (
                (names[cause_id].parent_id or cause_id,) if cause_id in names else (cause_id,)
            )
        elif kind == "finer":
            key = (cause_id,)
        elif kind == "department":
            key = (cause_id, department_id)
        else:
            key = (cause_id, category_id)
        totals[key] = totals.get(key, 0) + n
    return totals


def sections(current: dict, previous: dict, names: Any) -> dict[str, Any]:
    """The four cause tables of the report with the previous month beside each row.

    ``names`` is the report's department and category names (``sections.names``). Returns
    ``{"recorded": False}`` for a month issued before causes were counted.
    """
    now, before = current.get("causes"), previous.get("causes")
    if now is None:
        return {"recorded": False, "tables": [], "names": {}}
    ids = {g[0] for g in now} | {g[0] for g in before or []}
    causes = cause_names(ids) if ids else {}
    tables = []
    for kind, title in TABLES.items():
        a, b = _folded(now, kind, causes), _folded(before or [], kind, causes)
        rows = [
            _row(
                kind,
                key,
                a.get(key, 0),
                b.get(key, 0) if before is not None else None,
                causes,
                names,
            )
            for key in set(a) | set(b)
        ]
        rows.sort(key=lambda r: (-r["value"], -(r["previous"] or 0), str(r["name"])))
        tables.append({"key": kind, "title": title, "rows": rows})
    return {
        "recorded": True,
        "previous_recorded": before is not None,
        "tables": tables,
        "names": causes,  # for the improvement points (no second look-up)
    }


def _row(kind, key, value, previous, causes, names) -> dict[str, Any]:
    cause = causes.get(key[0])
    row = {
        "code": cause.code if cause else "",
        "name": _cause_label(key[0], causes),
        "value": value,
        "previous": previous,
        "change": None if previous is None else value - previous,
    }
    if kind == "department":
        row["department_id"] = key[1]
        row["other"] = names.departments.get(key[1], key[1]) if key[1] else _("(not set)")
    elif kind == "category":
        row["category_id"] = key[1]
        row["other"] = names.categories.get(key[1], key[1]) if key[1] else _("(not set)")
    return row


def _cause_label(cause_id: int, causes: dict[int, CauseName]) -> str:
    cause = causes.get(cause_id)
    if cause is None:
        return str(cause_id)
    if cause.parent_id and cause.parent_id in causes:
        return f"{causes[cause.parent_id].name} / {cause.name}"
    return cause.name


def fingerprint(tables: dict[str, Any]) -> list[Any]:
    return [
        [
            t["key"],
            [
                [r["code"], str(r["name"]), str(r.get("other", "")), r["value"], r["previous"]]
                for r in t["rows"]
            ],
        ]
        for t in tables.get("tables", [])
    ]


def serialize(tables: dict[str, Any]) -> dict[str, Any]:
    """The cause tables as JSON (API)."""
    return {
        "recorded": bool(tables.get("recorded")),
        "tables": [
            {
                "key": t["key"],
                "title": str(t["title"]),
                "rows": [
                    {
                        "code": r["code"],
                        "name": str(r["name"]),
                        **({"other": str(r["other"])} if "other" in r else {}),
                        "value": r["value"],
                        "previous": r["previous"],
                        "change": r["change"],
                    }
                    for r in t["rows"]
                ],
            }
            for t in tables.get("tables", [])
        ],
    }


def export_rows(report) -> list[list[Any]]:
    """The cause tables for the figures CSV/XLSX, after the breakdowns."""
    tables = report.causes
    if not tables.get("recorded"):
        return []
    rows: list[list[Any]] = []
    for t in tables["tables"]:
        cross = t["key"] in ("department", "category")
        rows.append([])
        head = [str(t["title"])] + ([""] if cross else [])
        rows.append(head + [str(report.month), str(_("Previous month")), str(_("Change"))])
        for r in t["rows"]:
            first = [str(r["name"])] + ([str(r["other"])] if cross else [])
            rows.append(first + [r["value"], _blank(r["previous"]), _blank(r["change"])])
    return rows


def _blank(value: Any) -> Any:
    return "" if value is None else value


# --- improvement points -------------------------------------------------------------------------


def improvement_points(
    current: dict, previous: dict, causes: dict[int, CauseName]
) -> list[dict[str, Any]]:
    """The finer causes that grew most since last month (up to three), or, when none grew, the
    month's most frequent cause: each is a point a corrective action can address, so a month
    with coded resolutions always offers one. ``causes``: the names ``sections`` looked up."""
    now = _folded(current.get("causes") or [], "finer", {})
    before = _folded(previous.get("causes") or [], "finer", {})
    grown = sorted(
        (key for key in now if now[key] > before.get(key, 0)),
        key=lambda key: (-(now[key] - before.get(key, 0)), -now[key], key),
    )[:3]
    if grown:
        return [_cause_point(key[0], causes, _grew(now[key], before.get(key, 0))) for key in grown]
    if not now:
        return []
    top = min(now, key=lambda key: (-now[key], key))
    reason = _("most frequent root cause this month (%(now)s resolved)") % {"now": now[top]}
    return [_cause_point(top[0], causes, reason)]


def _grew(now: int, before: int) -> str:
    return _("%(now)s complaints resolved with this cause, up %(delta)s from %(before)s") % {
        "now": now,
        "delta": now - before,
        "before": before,
    }


def _cause_point(cause_id: int, causes: dict[int, CauseName], reason: Any) -> dict[str, Any]:
    return {
        "kind": "cause",
        "id": cause_id,
        "code": causes[cause_id].code if cause_id in causes else "",
        "name": _cause_label(cause_id, causes),
        "reason": reason,
    }


def may_open_action(user) -> bool:
    """Managers and the general manager open corrective actions; auditors change nothing."""
    return rules.tier_of(user) in (rules.MANAGER, rules.GM)


def list_url(**params: Any) -> str:
    """The staff complaint list with these filters (complaints.filters)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse('complaints:list')}?{query}"


def month_range(month: Month) -> dict[str, str]:
    last = month.shift(1).first_day - dt.timedelta(days=1)
    return {"after": month.first_day.isoformat(), "before": last.isoformat()}


def scope_params(scope) -> dict[str, Any]:
    if scope.kind == "department":
        return {"department": scope.department_id}
    if scope.kind == "personal":
        return {"assignee": scope.user_id}
    return {}


def action_url(code: str, references: list[str]) -> str:
    """The corrective action's create page, pre-filled with the cause and the complaints."""
    return improvement_selectors.create_link(code, references)


def latest_references(complaints: QuerySet[Complaint], cause_ids: list[int], limit: int):
    """cause_id → its latest ``limit`` references in ``complaints`` (newest resolution first),
    in one query.

    On PostgreSQL a UNION ALL of one ``ORDER BY resolved_at DESC LIMIT n`` per cause, each a
    backward scan of cmp_cause_resolved_idx (cause, resolved_at) that stops after n rows,
    however many complaints the cause has; a ROW_NUMBER() over the window would sort them all.
    SQLite (the demo) cannot order the branches of a UNION: it ranks with ROW_NUMBER().
    """
    if not cause_ids:
        return {}
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [
            complaints.filter(cause_id=pk)
            .order_by("-resolved_at", "-id")
            .values_list("cause_id", "reference", "resolved_at", "id")[:limit]
            for pk in cause_ids
        ]
        rows = list(parts[0].union(*parts[1:], all=True)) if len(parts) > 1 else list(parts[0])
    else:
        rows = list(
            complaints.filter(cause_id__in=cause_ids)
            .annotate(
                rank=Window(
                    RowNumber(),
                    partition_by=[F("cause_id")],
                    order_by=[F("resolved_at").desc(), F("id").desc()],
                )
            )
            .filter(rank__lte=limit)
            .values_list("cause_id", "reference", "resolved_at", "id")
        )
    # At most ``limit`` rows per cause: sorted here, as a UNION's order is not guaranteed.
    rows.sort(key=lambda row: (row[2], row[3]), reverse=True)
    found: dict[int, list[str]] = {pk: [] for pk in cause_ids}
    for cause_id, reference, _resolved, _pk in rows:
        found[cause_id].append(reference)
    return found


def link_points(points: list[dict[str, Any]], *, scope, month: Month, complaints, user) -> None:
    """Give each improvement point the list of the complaints behind it and, for a cause
    point seen by a manager or the GM, the one-step corrective-action link.

    Category points count receptions, department and cause points resolutions (on-time,
    satisfaction and causes follow the month's resolutions), so their lists filter on that.
    """
    days = month_range(month)
    received = {"received_after": days["after"], "received_before": days["before"]}
    resolved = {"resolved_after": days["after"], "resolved_before": days["before"]}
    for point in points:
        if point["kind"] == "category":
            point["complaints_url"] = list_url(
                category=point["id"], **scope_params(scope), **received
            )
        elif point["kind"] == "department":
            point["complaints_url"] = list_url(department=point["id"], **resolved)
        elif point["kind"] == "cause":
            point["complaints_url"] = list_url(
                cause=point["code"], **scope_params(scope), **resolved
            )
    cause_points = [p for p in points if p["kind"] == "cause"]
    if not cause_points or not may_open_action(user):
        return
    behind = complaints.filter(resolved_at__gte=month.start, resolved_at__lt=month.end)
    refs = latest_references(behind, [p["id"] for p in cause_points], ACTION_REFERENCES)
    for point in cause_points:
        if refs.get(point["id"]):
            point["action_url"] = action_url(point["code"], refs[point["id"]])


# --- recurring causes ---------------------------------------------------------------------------


@dataclass
class Recurrence:
    cause_id: int
    code: str
    name: str
    count: int
    departments: list[tuple[Any, int]]  # (department name, complaints)
    references: list[str]  # latest first, up to ACTION_REFERENCES
    complaints_url: str = ""
    action_url: str | None = None

    @property
    def recent(self) -> list[str]:
        return self.references[:RECENT_REFERENCES]


def recurring_causes(
    complaints: QuerySet[Complaint], *, days: int, minimum: int, user
) -> list[Recurrence]:
    """Finer causes with at least ``minimum`` of ``complaints`` resolved in the last ``days``
    days and no open corrective action, most frequent first.

    ``complaints`` is already the user's visible set in the report's scope. Three queries
    whatever the volume:

    1. the catalogue's finer causes without an open action (the improvement app's open actions
       as a subquery, capa_open_cause_idx): a few dozen rows;
    2. the window ``cause_id = ANY(those) AND resolved_at >= since``, a range of
       cmp_cause_resolved_idx (cause, resolved_at) WHERE cause IS NOT NULL, grouped by cause and
       department (a department manager's set adds department_id = X, combined with
       cmp_dept_state_recv_idx); the counts per cause are added up from those few groups;
    3. the latest references of the recurring causes (``latest_references``).
    """
    since = timezone.now() - dt.timedelta(days=days)
    finer = {
        pk: (code, f"{parent} / {name}")
        for pk, code, name, parent in RootCause.objects.filter(parent__isnull=False)
        .exclude(pk__in=improvement_selectors.open_action_causes())
        .values_list("pk", "code", "name", "parent__name")
    }
    if not finer:
        return []
    window = complaints.filter(cause_id__in=list(finer), resolved_at__gte=since)
    totals: dict[int, int] = {}
    departments: dict[int, list[tuple[Any, int]]] = {}
    for cause_id, name, n in (
        window.values_list("cause_id", "department__name")
        .annotate(n=Count("pk"))
        .order_by("cause_id", "-n", "department__name")
    ):
        totals[cause_id] = totals.get(cause_id, 0) + n
        departments.setdefault(cause_id, []).append((name or _("(not set)"), n))
    recurring = sorted(
        (pk for pk, n in totals.items() if n >= minimum), key=lambda pk: (-totals[pk], pk)
    )
    refs = latest_references(window, recurring, ACTION_REFERENCES)
    allowed = may_open_action(user)
    since_day = timezone.localdate(since).isoformat()
    result = []
    for cause_id in recurring:
        code, name = finer[cause_id]
        item = Recurrence(
            cause_id=cause_id,
            code=code,
            name=name,
            count=totals[cause_id],
            departments=departments[cause_id],
            references=refs[cause_id],
            complaints_url=list_url(cause=code, resolved_after=since_day),
        )
        if allowed:
            item.action_url = action_url(code, refs[cause_id])
        result.append(item)
    return result
