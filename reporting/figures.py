"""The monthly figures, computed by the database.

``month_bundle(complaints, month)`` takes a queryset already narrowed to what the viewer may see
and to the report's scope, and returns a JSON-ready dict of everything the report shows for
one month. Each figure is a COUNT/SUM/AVG with FILTER (or a percentile on PostgreSQL) over an
indexed window of one milestone column; no complaint row is ever loaded into Python.

Definitions (DOMAIN.md "What managers read every month"); M is [first midnight, next first
midnight) in the organisation's time zone, and every figure uses only events before the end of
M, so a finished month's figures change only when a past complaint is corrected:

- received / accepted / rejected / withdrawn / resolved / closed: milestones falling in M
  (received_at, classified_at, rejected_at, withdrawn_at, resolved_at, closed_at). A complaint
  reopened and resolved again counts in the month of its latest resolution.
- open at month end: received before the end of M and not closed, rejected or withdrawn
  before it.
- time to first response / to resolution: from received_at, over the complaints whose first
  response / resolution falls in M; mean and median, in calendar hours and in working hours
  (business hours on working days, see ``reporting.workdays``).
- resolution rate: of the complaints accepted in M, the share resolved by the end of M.
- on-time rate: of the complaints resolved in M that had a resolution deadline, the share
  resolved by it (resolved_at <= resolution_due_at); complaints without a deadline are left out.
  The same for major complaints.
- satisfaction rate: of the follow-up contacts in M that reached the complainant (satisfied,
  basically satisfied, dissatisfied), the satisfied plus basically satisfied; unreachable
  contacts are counted separately. Every contact counts in the month it happened, read from its
  history row (``follow_up`` action, with the outcome and department as they were then), so a
  dissatisfied contact followed by a reopen and a satisfied one next month stays in its month.
- closure rate: of the complaints resolved in M, the share closed by the end of M.
- repeat complaints: received in M and linked to an earlier complaint (repeat_of).
- reopened: reopen actions in M (history rows).
- substantiated rate: of the resolutions in M with a finding, the share substantiated.
- escalations by tier: escalate actions in M (history rows; the row's tier is the new tier).
- remedies: number and total amount of the remedies given by the resolutions in M.

Rounding (DOMAIN.md): percentages and hours are shown to one decimal, rounded half up from the
exact value: rates from their integer counts (``percent``), hours from the seconds the database
averaged (``_hours``), never from an already rounded figure and never by truncation.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from complaints.models import (
    OPEN_STATES,
    Complaint,
    Department,
    FollowUpOutcome,
    Priority,
    State,
)
from reporting import causes, workdays
from reporting.months import Month, months_between, zone
from reporting.sql import duration_stats, grouping_sets, medians_supported

HistoricalComplaint = Complaint.history.model

# (key, label, kind) in the order the report, the exports and the API list them.
# kind: count | hours | rate | money
HEADLINE: list[tuple[str, Any, str]] = [
    ("received", _("Received"), "count"),
    ("accepted", _("Accepted"), "count"),
    ("rejected", _("Rejected"), "count"),
    ("withdrawn", _("Withdrawn or terminated"), "count"),
    ("resolved", _("Resolved"), "count"),
    ("closed", _("Closed"), "count"),
    ("open_at_month_end", _("Still open at month end"), "count"),
    ("first_response_hours_avg", _("Time to first response, mean (hours)"), "hours"),
    ("first_response_hours_median", _("Time to first response, median (hours)"), "hours"),
    (
        "first_response_working_hours_avg",
        _("Time to first response, mean (working hours)"),
        "hours",
    ),
    (
        "first_response_working_hours_median",
        _("Time to first response, median (working hours)"),
        "hours",
    ),
    ("resolution_hours_avg", _("Time to resolution, mean (hours)"), "hours"),
    ("resolution_hours_median", _("Time to resolution, median (hours)"), "hours"),
    ("resolution_working_hours_avg", _("Time to resolution, mean (working hours)"), "hours"),
    ("resolution_working_hours_median", _("Time to resolution, median (working hours)"), "hours"),
    ("resolution_rate", _("Resolution rate"), "rate"),
    ("on_time_rate", _("On-time rate"), "rate"),
    ("major_on_time_rate", _("On-time rate of major complaints"), "rate"),
    ("satisfaction_rate", _("Satisfaction rate"), "rate"),
    ("closure_rate", _("Closure rate"), "rate"),
    ("repeat_complaints", _("Repeat complaints"), "count"),
    ("reopened", _("Reopened"), "count"),
    ("substantiated_rate", _("Substantiated rate"), "rate"),
    ("escalations_to_manager", _("Escalations to department managers"), "count"),
    ("escalations_to_gm", _("Escalations to the general manager"), "count"),
    ("unreachable_follow_ups", _("Follow-ups: complainant unreachable"), "count"),
    ("remedies_given", _("Remedies given"), "count"),
    ("remedy_total", _("Remedy amounts paid"), "money"),
    ("deadline_extensions", _("Deadline extensions granted"), "count"),
    # 不予受理复查: appeals against a refusal decided in the month, by outcome.
    ("refusal_appeals_upheld", _("Appeals against refusals: refusal upheld"), "count"),
    ("refusal_appeals_overturned", _("Appeals against refusals: refusal overturned"), "count"),
]
HEADLINE_KEYS = [key for key, _label, _kind in HEADLINE]
KIND = {key: kind for key, _label, kind in HEADLINE}
MEDIAN_KEYS = {key for key in HEADLINE_KEYS if key.endswith("_median")}

# DOMAIN.md targets, shown beside the figures: (key, target, "min" or "max").
TARGETS = {
    "first_response_hours_avg": (24, "max"),
    "resolution_rate": (95, "min"),
    "major_on_time_rate": (100, "min"),
    "satisfaction_rate": (90, "min"),
    "closure_rate": (100, "min"),
}

SATISFIED = [FollowUpOutcome.SATISFIED, FollowUpOutcome.BASICALLY_SATISFIED]
REACHED = [*SATISFIED, FollowUpOutcome.DISSATISFIED]

ONE_DECIMAL = Decimal("0.1")


def percent(rate: dict[str, int] | None) -> Decimal | None:
    """``{"num": n, "den": d}`` as a percentage to one decimal, half up, from the exact counts
    (None when there is nothing to rate). Integer arithmetic: floor(1000n/d + 1/2) tenths, so
    2/3 is 66.7, 1/8 is 12.5, 1/400 (0.25 %) is 0.3 and 1899/2000 (94.95 %) is 95.0."""
    if not rate or not rate.get("den"):
        return None
    num, den = int(rate["num"] or 0), int(rate["den"])
    tenths = (2000 * num + den) // (2 * den)
    return Decimal(tenths).scaleb(-1)


def one_decimal(value: float | Decimal | str | None) -> Decimal | None:
    """A figure rounded half up to one decimal, so 94.96 is 95.0, 0.05 is 0.1 and 0.125 is 0.1.

    A float is read as the decimal it prints as (0.15 is 0.15, not the binary 0.1499…): floats
    reach here from JSON bundles, where they were written with that shortest form.
    """
    if value is None or value == "":
        return None
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    return exact.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def _in(field: str, month: Month) -> Q:
    return Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def _hours(seconds: float | None) -> float | None:
    """Hours to one decimal, rounded half up once from the seconds the database averaged; kept
    in the bundle as a float with one decimal (JSON), which ``value`` reads back exactly."""
    if seconds is None:
        return None
    return float(one_decimal(Decimal(seconds) / 3600))


def _rate(num: int, den: int) -> dict[str, int]:
    return {"num": num or 0, "den": den or 0}


def _durations(stats: dict[str, float | None], name: str) -> dict[str, float | None]:
    return {
        f"{name}_hours_avg": _hours(stats["avg"]),
        f"{name}_hours_median": _hours(stats["median"]),
        f"{name}_working_hours_avg": _hours(stats["wavg"]),
        f"{name}_working_hours_median": _hours(stats["wmedian"]),
    }


def month_bundle(
    complaints: QuerySet[Complaint], month: Month, *, actions_of: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every figure of ``month`` over ``complaints``; see the module docstring.

    Six round trips whatever the size of the month:

    1. one scan of the complaints with any milestone in the month (a BitmapOr of the milestone
       indexes), every count and sum a FILTERed aggregate, for the month and by department,
       category, channel and priority alone (GROUPING SETS: the headline, the breakdowns and
       the league table come back summed, a few dozen rows; ``_grouped``);
    2. the durations (means and medians, calendar and working time) in one query;
    3. the complaints still open at month end (four indexed counts);
    4. escalations and reopenings from the history table;
    5. follow-up contacts from the history table, by department and outcome (an index-only
       scan of hcmp_follow_up_month_idx);
    6. the calendar check (and, once per deployment, its build).
    """
    _cover_calendar(complaints, month)
    grouped = _grouped(complaints, month)
    total = grouped[None]
    times = duration_stats(
        complaints, month, {"resolution": "resolved_at", "first_response": "first_response_at"}
    )
    open_at_end = _open_at_end(complaints, month.end)
    action_counts = _action_counts(complaints, month, actions_of)
    follow_ups = _follow_ups_by_department(complaints, month, actions_of)
    contacts = {key: sum(row[key] for row in follow_ups.values()) for key in FOLLOW_UP_COUNTS}

    def received_by(field: str) -> list[list[Any]]:
        return [[key, row["received"]] for key, row in grouped[field].items() if row["received"]]

    return {
        "month": str(month),
        "figures": _headline(total, times, open_at_end, action_counts, contacts),
        "medians": medians_supported(),
        "breakdowns": {
            "category": received_by("category_id"),
            "channel": received_by("channel"),
            "priority": received_by("priority"),
            "department": received_by("department_id"),
        },
        "league": _league(grouped["department_id"], follow_ups),
        # Frozen with the rest in a month-end snapshot (see reporting.causes).
        "causes": causes.month_causes(complaints, month),
    }


def _cover_calendar(complaints: QuerySet[Complaint], month: Month) -> None:
    """The working-hours joins need the calendar to cover every date involved; the earliest
    complaint bounds them (one index probe on received_at)."""
    earliest = complaints.order_by("received_at").values_list("received_at", flat=True).first()
    workdays.ensure(
        (earliest or month.start).astimezone(zone()).date(), month.end.astimezone(zone()).date()
    )


GROUP_FIELDS = ["department_id", "category_id", "channel", "priority"]


def _grouped(complaints: QuerySet[Complaint], month: Month) -> dict[str | None, Any]:
    """Round trip 1: ``None`` → the month's totals, each of ``GROUP_FIELDS`` → its value → the
    same counts. PostgreSQL adds them up itself (GROUPING SETS, a few dozen rows back); other
    databases (the SQLite demo) return the groups of all four fields, added up here."""
    rows = _groups(complaints, month)
    if connections[rows.db].vendor == "postgresql":
        sets = grouping_sets(rows, GROUP_FIELDS)
        grouped = {f: _sorted({r[f]: _sum([r]) for r in sets[f]}) for f in GROUP_FIELDS}
        return {None: _sum(sets[None]), **grouped}
    groups = list(rows)
    return {None: _sum(groups), **{f: _sum_by(groups, f) for f in GROUP_FIELDS}}


def _groups(complaints: QuerySet[Complaint], month: Month) -> QuerySet:
    """Every count and sum of the month, grouped by department, category, channel and priority
    (one scan of the complaints with any milestone in the month)."""
    end = month.end
    rec, cls, res = (
        _in("received_at", month),
        _in("classified_at", month),
        _in("resolved_at", month),
    )
    fr = _in("first_response_at", month)
    clo, rej, wd = _in("closed_at", month), _in("rejected_at", month), _in("withdrawn_at", month)
    due = Q(resolution_due_at__isnull=False)
    on_time = due & Q(resolved_at__lte=F("resolution_due_at"))
    major = Q(priority=Priority.MAJOR)

    def count(condition: Q) -> Count:
        return Count("pk", filter=condition)

    return (
        complaints.filter(rec | cls | res | fr | clo | rej | wd)
        .values(*GROUP_FIELDS)
        .annotate(
            received=count(rec),
            repeats=count(rec & Q(repeat_of__isnull=False)),
            accepted=count(cls),
            accepted_resolved=count(cls & Q(resolved_at__lt=end)),
            resolved=count(res),
            with_deadline=count(res & due),
            on_time=count(res & on_time),
            major_with_deadline=count(res & due & major),
            major_on_time=count(res & on_time & major),
            with_finding=count(res & Q(substantiated__isnull=False)),
            substantiated=count(res & Q(substantiated=True)),
            closed_by_end=count(res & Q(closed_at__lt=end)),
            remedies=count(res & Q(remedy_amount__gt=0)),
            remedy_total=Sum("remedy_amount", filter=res),
            extensions=Sum("extension_count", filter=res),
            closed=count(clo),
            rejected=count(rej),
            withdrawn=count(wd),
        )
        .order_by()
    )


def _open_at_end(complaints: QuerySet[Complaint], end) -> int:
    """Still open at month end: received before the end and not finished (closed, rejected,
    withdrawn: final states, each with its timestamp) before it, i.e. open now, or finished
    since the end. Counted by state through cmp_dept_state_recv_idx (department, state,
    received_at), closures since the end through cmp_closed_at_idx."""
    before_end = complaints.filter(received_at__lt=end)
    return (
        _count_by_state(complaints, before_end, OPEN_STATES)
        + before_end.filter(closed_at__gte=end).count()
        + _count_by_state(complaints, before_end.filter(rejected_at__gte=end), [State.REJECTED])
        + _count_by_state(complaints, before_end.filter(withdrawn_at__gte=end), [State.WITHDRAWN])
    )


def _action_counts(
    complaints: QuerySet[Complaint], month: Month, actions_of: dict[str, Any] | None
) -> dict[tuple[str, Any], int]:
    """Escalations and reopenings are actions, counted from the complaint history table
    (history_transition and history_date are indexed there), in the scope ``_in_scope`` puts
    on the history rows: (action, tier) → count.

    The decision of an appeal against a refusal is an action too; its row's ``substantiated``
    says whether the refusal was overturned: ("decide_refusal_appeal", overturned) → count.
    """
    actions = _in_scope(
        HistoricalComplaint.objects.filter(
            _in("history_date", month),
            history_transition__in=["escalate", "reopen", "decide_refusal_appeal"],
        ),
        complaints,
        actions_of,
    )
    counts: dict[tuple[str, Any], int] = {}
    for row in actions.values("history_transition", "tier", "substantiated").annotate(
        n=Count("history_id")
    ):
        key = (row["history_transition"], row["tier"])
        if row["history_transition"] == "decide_refusal_appeal":
            key = (row["history_transition"], bool(row["substantiated"]))
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


def _follow_ups_by_department(
    complaints: QuerySet[Complaint], month: Month, actions_of: dict[str, Any] | None
) -> dict[Any, dict[str, Any]]:
    """Follow-up contacts, each in the month it happened, by the department it was made for."""
    return {
        row["department_id"]: row
        for row in _follow_ups(complaints, actions_of, month.start, month.end)
        .values("department_id")
        .annotate(**FOLLOW_UP_COUNTS)
        .order_by()
    }


def _headline(
    total: dict[str, Any],
    times: dict[str, dict[str, float | None]],
    open_at_end: int,
    action_counts: dict[tuple[str, Any], int],
    contacts: dict[str, int],
) -> dict[str, Any]:
    """The month's figures (the report's rows) from the counts of the steps above."""
    return {
        "received": total["received"],
        "accepted": total["accepted"],
        "rejected": total["rejected"],
        "withdrawn": total["withdrawn"],
        "resolved": total["resolved"],
        "closed": total["closed"],
        "open_at_month_end": open_at_end,
        **_durations(times["first_response"], "first_response"),
        **_durations(times["resolution"], "resolution"),
        "resolution_rate": _rate(total["accepted_resolved"], total["accepted"]),
        "on_time_rate": _rate(total["on_time"], total["with_deadline"]),
        "major_on_time_rate": _rate(total["major_on_time"], total["major_with_deadline"]),
        "satisfaction_rate": _rate(contacts["satisfied"], contacts["reached"]),
        "closure_rate": _rate(total["closed_by_end"], total["resolved"]),
        "repeat_complaints": total["repeats"],
        "reopened": sum(n for (action, _tier), n in action_counts.items() if action == "reopen"),
        "substantiated_rate": _rate(total["substantiated"], total["with_finding"]),
        "escalations_to_manager": action_counts.get(("escalate", "manager"), 0),
        "escalations_to_gm": action_counts.get(("escalate", "gm"), 0),
        "unreachable_follow_ups": contacts["unreachable"],
        "remedies_given": total["remedies"],
        "remedy_total": str(total["remedy_total"].quantize(Decimal("0.01"), ROUND_HALF_UP)),
        "deadline_extensions": total["extensions"],
        "refusal_appeals_upheld": action_counts.get(("decide_refusal_appeal", False), 0),
        "refusal_appeals_overturned": action_counts.get(("decide_refusal_appeal", True), 0),
    }


def _in_scope(rows: QuerySet, complaints: QuerySet, actions_of: dict[str, Any] | None):
    """Complaint history rows narrowed to the report's scope.

    ``actions_of`` names the scope on the history row itself (the department or handler at the
    time of the action), which keeps the month's few thousand actions in front of the plan;
    without it, each action is checked against the scoped complaints. An unfiltered queryset is
    the whole organisation.
    """
    if actions_of is not None:
        return rows.filter(**actions_of)
    if complaints.query.where:
        return rows.filter(Exists(complaints.filter(pk=OuterRef("id"))))
    return rows


# Counted over follow-up history rows; COUNT(history_date) rather than COUNT(history_id) so
# that every column read is in hcmp_follow_up_month_idx (an index-only scan).
FOLLOW_UP_COUNTS = {
    "reached": Count("history_date", filter=Q(follow_up_outcome__in=REACHED)),
    "satisfied": Count("history_date", filter=Q(follow_up_outcome__in=SATISFIED)),
    "unreachable": Count("history_date", filter=Q(follow_up_outcome=FollowUpOutcome.UNREACHABLE)),
}


def _follow_ups(complaints: QuerySet, actions_of: dict[str, Any] | None, start, end) -> QuerySet:
    """The follow-up contacts made in [start, end) in scope: one history row each ("follow_up"
    action), with the outcome and the department as they were at the contact. Served by the
    partial index hcmp_follow_up_month_idx (complaints.models)."""
    return _in_scope(
        HistoricalComplaint.objects.filter(
            history_transition="follow_up", history_date__gte=start, history_date__lt=end
        ),
        complaints,
        actions_of,
    )


def _count_by_state(complaints: QuerySet, qs: QuerySet, states: list[str]) -> int:
    """COUNT of ``qs`` in ``states``, written so that cmp_dept_state_recv_idx serves it.

    For the whole organisation (an unfiltered ``complaints``) the index's leading column is
    given too: every department, plus the unrouted queue counted apart. Otherwise PostgreSQL,
    which cannot skip the leading column, reads the whole table to find a state.
    """
    qs = qs.filter(state__in=states)
    if complaints.query.where:
        return qs.count()
    departments = list(Department.objects.values_list("pk", flat=True))
    return (
        qs.filter(department_id__in=departments).count()
        + qs.filter(department__isnull=True).count()
    )


# The counts and sums of ``_groups``, added up by ``_sum``.
# fmt: off
SUMMED = [
    "received", "repeats", "accepted", "accepted_resolved", "resolved", "with_deadline", "on_time",
    "major_with_deadline", "major_on_time", "with_finding", "substantiated", "closed_by_end",
    "remedies", "remedy_total", "extensions", "closed", "rejected", "withdrawn",
]
# fmt: on


def _sum(groups: list[dict[str, Any]]) -> dict[str, Any]:
    """Add up aggregated groups (a few thousand rows of counts, not complaints)."""
    total: dict[str, Any] = {key: 0 for key in SUMMED}
    total["remedy_total"] = Decimal("0")
    for group in groups:
        for key in SUMMED:
            total[key] += group[key] or 0
    return total


def _sum_by(groups: list[dict[str, Any]], field: str) -> dict[Any, dict[str, Any]]:
    buckets: dict[Any, list[dict[str, Any]]] = {}
    for group in groups:
        buckets.setdefault(group[field], []).append(group)
    return _sorted({key: _sum(members) for key, members in buckets.items()})


def _sorted(by_key: dict[Any, Any]) -> dict[Any, Any]:
    return dict(sorted(by_key.items(), key=lambda item: (item[0] is None, str(item[0]))))


def _league(
    by_department: dict[Any, dict[str, Any]], follow_ups: dict[Any, dict[str, int]]
) -> list[dict[str, Any]]:
    """One row per department: volume, on-time, satisfaction (of the follow-up contacts made
    for the department in the month), repeats."""
    none = {"received": 0, "repeats": 0, "resolved": 0, "on_time": 0, "with_deadline": 0}
    nobody = {"reached": 0, "satisfied": 0, "unreachable": 0}
    rows = []
    for dept in {*by_department, *follow_ups}:
        row, contacts = by_department.get(dept, none), follow_ups.get(dept, nobody)
        if row["received"] or row["resolved"] or contacts["reached"] or contacts["unreachable"]:
            rows.append(
                {
                    "department_id": dept,
                    "received": row["received"],
                    "repeats": row["repeats"],
                    "resolved": row["resolved"],
                    "on_time": _rate(row["on_time"], row["with_deadline"]),
                    "satisfaction": _rate(contacts["satisfied"], contacts["reached"]),
                }
            )
    return sorted(rows, key=lambda r: (-r["received"], r["department_id"] or 0))


def trend(
    complaints: QuerySet[Complaint],
    last: Month,
    months: int = 12,
    *,
    actions_of: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Received, resolved, on-time and satisfaction per month for ``months`` months to ``last``:
    three GROUP BY month queries over the window, two over milestone columns and one over the
    follow-up history rows (scoped as in ``month_bundle``)."""
    first = last.shift(-(months - 1))
    tz = zone()

    def per_month(field: str, **aggregates) -> dict[str, dict[str, Any]]:
        rows = (
            complaints.filter(**{f"{field}__gte": first.start, f"{field}__lt": last.end})
            .annotate(m=TruncMonth(field, tzinfo=tz))
            .values("m")
            .annotate(**aggregates)
            .order_by()
        )
        return {str(Month.of(row["m"])): row for row in rows}

    received = per_month("received_at", n=Count("pk"))
    resolved = per_month(
        "resolved_at",
        n=Count("pk"),
        with_deadline=Count("pk", filter=Q(resolution_due_at__isnull=False)),
        on_time=Count(
            "pk", filter=Q(resolution_due_at__isnull=False, resolved_at__lte=F("resolution_due_at"))
        ),
    )
    followed = {
        str(Month.of(row["m"])): row
        for row in _follow_ups(complaints, actions_of, first.start, last.end)
        .annotate(m=TruncMonth("history_date", tzinfo=tz))
        .values("m")
        .annotate(**FOLLOW_UP_COUNTS)
        .order_by()
    }
    series = []
    for month in months_between(first, last):
        key = str(month)
        res = resolved.get(key, {})
        fol = followed.get(key, {})
        series.append(
            {
                "month": key,
                "received": received.get(key, {}).get("n", 0),
                "resolved": res.get("n", 0),
                "on_time_rate": _rate(res.get("on_time", 0), res.get("with_deadline", 0)),
                "satisfaction_rate": _rate(fol.get("satisfied", 0), fol.get("reached", 0)),
            }
        )
    return series


def trend_point(bundle: dict[str, Any]) -> dict[str, Any]:
    """A month's trend point from its bundle (the same definitions as ``trend``)."""
    f = bundle["figures"]
    return {
        "month": bundle["month"],
        "received": f["received"],
        "resolved": f["resolved"],
        "on_time_rate": f["on_time_rate"],
        "satisfaction_rate": f["satisfaction_rate"],
    }


# --- reading a bundle ---------------------------------------------------------------------------


def value(figures: dict[str, Any], key: str) -> int | Decimal | None:
    """The display value of a figure, the one the page, the exports and the API all show: a
    percentage for rates (None when nothing to rate) and hours to one decimal, both rounded
    half up (``percent``, ``one_decimal``); money to the cent."""
    raw = figures.get(key)
    if KIND[key] == "rate":
        return percent(raw)
    if KIND[key] == "hours":
        return one_decimal(raw)
    if KIND[key] == "money":
        return Decimal(raw) if raw is not None else None
    return raw


def differences(issued: dict[str, Any], live: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Headline figures whose live value differs from the issued one: key → issued, live.

    Hours compare as shown (one decimal): reports issued before hours were rounded once to one
    decimal kept two, and a change below what the report shows is no change.
    """
    changed = {}
    for key in HEADLINE_KEYS:
        if key not in issued:
            continue  # a figure added since the report was issued: nothing to compare with
        if KIND[key] == "hours":
            differs = value(issued, key) != value(live, key)
        else:
            differs = issued.get(key) != live.get(key)
        if differs:
            changed[key] = {"issued": value(issued, key), "live": value(live, key)}
    return changed
