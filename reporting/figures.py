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
- satisfaction rate: of the follow-ups in M that reached the complainant, satisfied plus
  basically satisfied; unreachable follow-ups are counted separately.
- closure rate: of the complaints resolved in M, the share closed by the end of M.
- repeat complaints: received in M and linked to an earlier complaint (repeat_of).
- reopened: reopen actions in M (history rows).
- substantiated rate: of the resolutions in M with a finding, the share substantiated.
- escalations by tier: escalate actions in M (history rows; the row's tier is the new tier).
- remedies: number and total amount of the remedies given by the resolutions in M.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, FollowUpOutcome, Priority
from reporting import workdays
from reporting.months import Month, months_between, zone
from reporting.sql import EpochSeconds, Median, medians_supported, working_seconds_between

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


def _in(field: str, month: Month) -> Q:
    return Q(**{f"{field}__gte": month.start, f"{field}__lt": month.end})


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _rate(num: int, den: int) -> dict[str, int]:
    return {"num": num or 0, "den": den or 0}


def _duration_aggregates(start: str, end: str, prefix: str) -> dict[str, Any]:
    calendar = EpochSeconds(end, start)
    working = working_seconds_between(start, end)
    aggregates = {f"{prefix}_avg": Avg(calendar), f"{prefix}_wavg": Avg(working)}
    if medians_supported():
        aggregates[f"{prefix}_median"] = Median(calendar)
        aggregates[f"{prefix}_wmedian"] = Median(working)
    return aggregates


def _durations(row: dict[str, Any], prefix: str, name: str) -> dict[str, float | None]:
    return {
        f"{name}_hours_avg": _hours(row[f"{prefix}_avg"]),
        f"{name}_hours_median": _hours(row.get(f"{prefix}_median")),
        f"{name}_working_hours_avg": _hours(row[f"{prefix}_wavg"]),
        f"{name}_working_hours_median": _hours(row.get(f"{prefix}_wmedian")),
    }


def _grouped(qs: QuerySet, field: str, **aggregates) -> list[dict[str, Any]]:
    return list(qs.values(field).annotate(**aggregates).order_by(field))


def month_bundle(complaints: QuerySet[Complaint], month: Month) -> dict[str, Any]:
    """Every figure of ``month`` over ``complaints``; see the module docstring."""
    end = month.end
    # The working-hours look-ups need the calendar to cover every date involved; the earliest
    # complaint bounds them (one index probe on received_at).
    earliest = complaints.order_by("received_at").values_list("received_at", flat=True).first()
    workdays.ensure(
        (earliest or month.start).astimezone(zone()).date(), end.astimezone(zone()).date()
    )

    # Received in M, by department: also the league table's volume and repeats.
    received = complaints.filter(_in("received_at", month))
    by_department = _grouped(
        received,
        "department_id",
        n=Count("pk"),
        repeats=Count("pk", filter=Q(repeat_of__isnull=False)),
    )
    by_category = _grouped(received, "category_id", n=Count("pk"))
    by_channel = _grouped(received, "channel", n=Count("pk"))
    by_priority = _grouped(received, "priority", n=Count("pk"))

    accepted = complaints.filter(_in("classified_at", month)).aggregate(
        n=Count("pk"), resolved_by_end=Count("pk", filter=Q(resolved_at__lt=end))
    )

    resolved_qs = complaints.filter(_in("resolved_at", month))
    has_deadline = Q(resolution_due_at__isnull=False)
    on_time = Q(resolution_due_at__isnull=False, resolved_at__lte=F("resolution_due_at"))
    major = Q(priority=Priority.MAJOR)
    resolved = resolved_qs.aggregate(
        n=Count("pk"),
        with_deadline=Count("pk", filter=has_deadline),
        on_time=Count("pk", filter=on_time),
        major_with_deadline=Count("pk", filter=has_deadline & major),
        major_on_time=Count("pk", filter=on_time & major),
        with_finding=Count("pk", filter=Q(substantiated__isnull=False)),
        substantiated=Count("pk", filter=Q(substantiated=True)),
        closed_by_end=Count("pk", filter=Q(closed_at__lt=end)),
        remedies=Count("pk", filter=Q(remedy_amount__gt=0)),
        remedy_total=Sum("remedy_amount"),
        extensions=Sum("extension_count"),
        **_duration_aggregates("received_at", "resolved_at", "res"),
    )
    resolved_by_department = _grouped(
        resolved_qs,
        "department_id",
        n=Count("pk"),
        with_deadline=Count("pk", filter=has_deadline),
        on_time=Count("pk", filter=on_time),
    )

    first_response = complaints.filter(_in("first_response_at", month)).aggregate(
        n=Count("pk"), **_duration_aggregates("received_at", "first_response_at", "fr")
    )

    followed_up_by_department = _grouped(
        complaints.filter(_in("followed_up_at", month)),
        "department_id",
        n=Count("pk"),
        reached=Count("pk", filter=Q(follow_up_outcome__in=REACHED)),
        satisfied=Count("pk", filter=Q(follow_up_outcome__in=SATISFIED)),
        unreachable=Count("pk", filter=Q(follow_up_outcome=FollowUpOutcome.UNREACHABLE)),
    )

    # One scan of the union of three indexed windows.
    ended = complaints.filter(
        _in("closed_at", month) | _in("rejected_at", month) | _in("withdrawn_at", month)
    ).aggregate(
        closed=Count("pk", filter=_in("closed_at", month)),
        rejected=Count("pk", filter=_in("rejected_at", month)),
        withdrawn=Count("pk", filter=_in("withdrawn_at", month)),
    )

    # Open at month end = received before the end - finished (closed, rejected or withdrawn)
    # before the end: a complaint is finished at most once and after it was received, so the
    # difference is exact, and each count is an index-only range scan of one column.
    open_at_end = (
        complaints.filter(received_at__lt=end).count()
        - complaints.filter(closed_at__lt=end).count()
        - complaints.filter(rejected_at__lt=end).count()
        - complaints.filter(withdrawn_at__lt=end).count()
    )

    # Escalations and reopenings are actions, counted from the complaint history table
    # (history_transition and history_date are indexed there).
    actions = HistoricalComplaint.objects.filter(
        _in("history_date", month), history_transition__in=["escalate", "reopen"]
    )
    if complaints.query.where:
        actions = actions.filter(id__in=complaints.values("pk"))
    action_counts = {
        (row["history_transition"], row["tier"]): row["n"]
        for row in actions.values("history_transition", "tier").annotate(n=Count("history_id"))
    }

    figures: dict[str, Any] = {
        "received": sum(row["n"] for row in by_department),
        "accepted": accepted["n"],
        "rejected": ended["rejected"],
        "withdrawn": ended["withdrawn"],
        "resolved": resolved["n"],
        "closed": ended["closed"],
        "open_at_month_end": open_at_end,
        **_durations(first_response, "fr", "first_response"),
        **_durations(resolved, "res", "resolution"),
        "resolution_rate": _rate(accepted["resolved_by_end"], accepted["n"]),
        "on_time_rate": _rate(resolved["on_time"], resolved["with_deadline"]),
        "major_on_time_rate": _rate(resolved["major_on_time"], resolved["major_with_deadline"]),
        "satisfaction_rate": _rate(
            sum(row["satisfied"] for row in followed_up_by_department),
            sum(row["reached"] for row in followed_up_by_department),
        ),
        "closure_rate": _rate(resolved["closed_by_end"], resolved["n"]),
        "repeat_complaints": sum(row["repeats"] for row in by_department),
        "reopened": sum(n for (action, _tier), n in action_counts.items() if action == "reopen"),
        "substantiated_rate": _rate(resolved["substantiated"], resolved["with_finding"]),
        "escalations_to_manager": action_counts.get(("escalate", "manager"), 0),
        "escalations_to_gm": action_counts.get(("escalate", "gm"), 0),
        "unreachable_follow_ups": sum(row["unreachable"] for row in followed_up_by_department),
        "remedies_given": resolved["remedies"],
        "remedy_total": str(resolved["remedy_total"] or Decimal("0.00")),
        "deadline_extensions": resolved["extensions"] or 0,
    }
    return {
        "month": str(month),
        "figures": figures,
        "medians": medians_supported(),
        "breakdowns": {
            "category": [[row["category_id"], row["n"]] for row in by_category],
            "channel": [[row["channel"], row["n"]] for row in by_channel],
            "priority": [[row["priority"], row["n"]] for row in by_priority],
            "department": [[row["department_id"], row["n"]] for row in by_department],
        },
        "league": _league(by_department, resolved_by_department, followed_up_by_department),
    }


def _league(received, resolved, followed) -> list[dict[str, Any]]:
    """One row per department: volume, on-time, satisfaction, repeats (merged group results)."""
    rows: dict[Any, dict[str, Any]] = {}

    def row(dept):
        return rows.setdefault(
            dept,
            {
                "department_id": dept,
                "received": 0,
                "repeats": 0,
                "resolved": 0,
                "on_time": _rate(0, 0),
                "satisfaction": _rate(0, 0),
            },
        )

    for group in received:
        row(group["department_id"]).update(received=group["n"], repeats=group["repeats"])
    for group in resolved:
        row(group["department_id"]).update(
            resolved=group["n"], on_time=_rate(group["on_time"], group["with_deadline"])
        )
    for group in followed:
        row(group["department_id"])["satisfaction"] = _rate(group["satisfied"], group["reached"])
    return sorted(rows.values(), key=lambda r: (-r["received"], r["department_id"] or 0))


def trend(complaints: QuerySet[Complaint], last: Month, months: int = 12) -> list[dict[str, Any]]:
    """Received, resolved, on-time and satisfaction per month for ``months`` months to ``last``:
    three GROUP BY month queries over the window, one per milestone column."""
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
    followed = per_month(
        "followed_up_at",
        reached=Count("pk", filter=Q(follow_up_outcome__in=REACHED)),
        satisfied=Count("pk", filter=Q(follow_up_outcome__in=SATISFIED)),
    )
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


# --- reading a bundle ---------------------------------------------------------------------------


def value(figures: dict[str, Any], key: str) -> float | int | Decimal | None:
    """The display value of a figure: a percentage for rates (None when nothing to rate)."""
    raw = figures.get(key)
    if KIND[key] == "rate":
        if not raw or not raw["den"]:
            return None
        return round(100 * raw["num"] / raw["den"], 1)
    if KIND[key] == "money":
        return Decimal(raw) if raw is not None else None
    return raw


def differences(issued: dict[str, Any], live: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Headline figures whose live value differs from the issued one: key → issued, live."""
    changed = {}
    for key in HEADLINE_KEYS:
        if issued.get(key) != live.get(key):
            changed[key] = {"issued": value(issued, key), "live": value(live, key)}
    return changed
