"""The sections of a report page built from figure bundles: the names of departments and
categories, the breakdowns with last month's values, the department league table and the
improvement points (整改要点). Pure functions of the bundles (and one query for the names),
shared by the monthly report (``reporting.selectors``) and the quarterly and annual reports
(``reporting.period_selectors``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from complaints.models import Category, Channel, Department, Priority
from reporting import figures


@dataclass
class Breakdown:
    key: str
    title: Any
    rows: list[dict[str, Any]]  # name, value, previous, change


@dataclass
class Names:
    departments: dict[int, str]
    categories: dict[int, str]
    category_parent: dict[int, int | None]


def names() -> Names:
    categories = list(Category.objects.values_list("pk", "name", "parent_id"))
    return Names(
        departments=dict(Department.objects.values_list("pk", "name")),
        categories={pk: name for pk, name, _parent in categories},
        category_parent={pk: parent for pk, _name, parent in categories},
    )


NOT_SET = _("(not set)")


def label(kind: str, value: Any, names: Names) -> Any:
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


def top_level(pairs: list[list[Any]], names: Names) -> list[list[Any]]:
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


def breakdowns(current: dict, previous: dict, names: Names) -> list[Breakdown]:
    result = []
    for kind in ("top_category", "category", "channel", "department", "priority"):
        source = "category" if kind == "top_category" else kind
        now_pairs = current["breakdowns"][source]
        before_pairs = previous["breakdowns"][source]
        if kind == "top_category":
            now_pairs, before_pairs = top_level(now_pairs, names), top_level(before_pairs, names)
        now = {pk: n for pk, n in now_pairs}
        before = {pk: n for pk, n in before_pairs}
        rows = [
            {
                "id": pk,
                "name": label(kind, pk, names),
                "value": now.get(pk, 0),
                "previous": before.get(pk, 0),
                "change": now.get(pk, 0) - before.get(pk, 0),
            }
            for pk in set(now) | set(before)
        ]
        rows.sort(key=lambda r: (-r["value"], -r["previous"], str(r["name"])))
        result.append(Breakdown(key=kind, title=BREAKDOWN_TITLES[kind], rows=rows))
    return result


def league(bundle: dict, names: Names) -> list[dict[str, Any]]:
    return [
        {
            "department_id": row["department_id"],
            "name": label("department", row["department_id"], names),
            "received": row["received"],
            "resolved": row["resolved"],
            "on_time_rate": figures.percent(row["on_time"]),
            "satisfaction_rate": figures.percent(row["satisfaction"]),
            "repeats": row["repeats"],
        }
        for row in bundle["league"]
    ]


MIN_IMPROVEMENT_POINTS = 2  # DOMAIN.md: at least two improvement points a month


def improvement_points(current: dict, previous: dict, names: Names) -> list[dict[str, Any]]:
    """Categories and units that got worse (整改要点): the sub-categories that grew most since
    last month, the departments whose on-time or satisfaction rate fell most, and, when fewer
    than two got worse, the highest-volume sub-categories so there are always two to act on."""
    now = {pk: n for pk, n in current["breakdowns"]["category"]}
    before = {pk: n for pk, n in previous["breakdowns"]["category"]}
    grown = sorted(
        (pk for pk in now if pk is not None and now[pk] > before.get(pk, 0)),
        key=lambda pk: (-(now[pk] - before.get(pk, 0)), -now[pk], pk),
    )[:3]
    points = [_grown_category(pk, now, before, names) for pk in grown]
    points += _fallen_departments(current, previous, names)
    if len(points) < MIN_IMPROVEMENT_POINTS:
        points += _busiest_categories(now, set(grown), MIN_IMPROVEMENT_POINTS - len(points), names)
    return points


def _grown_category(pk: int, now: dict, before: dict, names: Names) -> dict[str, Any]:
    return {
        "kind": "category",
        "id": pk,
        "name": label("category", pk, names),
        "reason": _("%(now)s complaints, up %(delta)s from %(before)s last month")
        % {"now": now[pk], "delta": now[pk] - before.get(pk, 0), "before": before.get(pk, 0)},
    }


def _fallen_departments(current: dict, previous: dict, names: Names) -> list[dict[str, Any]]:
    """The two departments whose on-time or satisfaction rate fell most since last month."""
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
            a, b = figures.percent(before_row[metric]), figures.percent(row[metric])
            if a is not None and b is not None and b < a:
                falls.append((a - b, row["department_id"], title, a, b))
    return [
        {
            "kind": "department",
            "id": dept,
            "name": label("department", dept, names),
            "reason": _("%(metric)s fell from %(before)s%% to %(now)s%%")
            % {"metric": title, "before": a, "now": b},
        }
        for _drop, dept, title, a, b in sorted(falls, key=lambda f: (-f[0], f[1]))[:2]
    ]


def _busiest_categories(now: dict, listed: set, count: int, names: Names) -> list[dict[str, Any]]:
    """The ``count`` highest-volume sub-categories not ``listed`` already."""
    busiest = sorted(
        (pk for pk in now if pk is not None and pk not in listed), key=lambda p: (-now[p], p)
    )[:count]
    return [
        {
            "kind": "category",
            "id": pk,
            "name": label("category", pk, names),
            "reason": _("highest volume this month: %(now)s complaints") % {"now": now[pk]},
        }
        for pk in busiest
    ]
