"""The accountability table (责任认定统计): per responsible unit and per responsible person, for a
month, a quarter or a year.

Definitions (written down in the README, "The accountability table"); P is [first midnight,
first midnight after) of the period in the organisation's time zone, as for the monthly report:

- substantiated: complaints with substantiated = True and a responsible department whose
  resolved_at falls in P (the finding is recorded at resolution, so "found in the period" is
  "resolved in the period"; a complaint reopened and resolved again counts at its latest
  resolution). Of which major (priority major) and repeat (repeat_of set).
- on-time rate: of those with a resolution deadline, the share resolved by it (resolved_at <=
  resolution_due_at), as the monthly report's on-time rate (``reporting.figures``).
- satisfaction rate: the monthly report's definition (DOMAIN.md), over the follow-up contacts
  made in P on complaints whose finding names the unit (person): satisfied plus basically
  satisfied over those that reached the complainant; each contact counts in the period it
  happened, read from its history row as ``figures`` does. The unit and person are those the
  complaint names now, so an overturned finding no longer counts against the person.
- contests made: contests of findings about the unit's complaints (the person's own contests)
  made in P; overturned: those of them decided "overturned" (so far).

Rates round half up to one decimal from their integer counts (``figures.percent``).

Scope (the visibility rule, applied to findings): the general manager and auditors see every
unit and person; a department manager their own unit and the people named in its findings;
frontline staff only their own row. Anyone else gets 403.

Five queries whatever the size of the period: the findings (one GROUP BY unit and person with
FILTERed counts), the follow-up contacts (one GROUP BY over the history table), the contests
(one GROUP BY), and the names of the units and the people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from complaints import rules, selectors
from complaints.models import (
    Complaint,
    Department,
    FollowUpOutcome,
    Priority,
    ResponsibilityContest,
)
from complaints.people import display_name
from reporting.figures import FOLLOW_UP_COUNTS, REACHED, SATISFIED, _follow_ups, _rate, percent
from reporting.months import Month

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``)."""

    first: Month
    months: int
    text: str

    @classmethod
    def parse(cls, text: str) -> Period:
        match = PERIOD_PATTERN.match((text or "").strip())
        if match is None:
            raise ValueError(text)
        year = int(match["year"])
        if match["month"]:
            return cls(Month(year, int(match["month"])), 1, f"{year:04d}-{match['month']}")
        if match["quarter"]:
            quarter = int(match["quarter"])
            return cls(Month(year, 3 * quarter - 2), 3, f"{year:04d}-Q{quarter}")
        return cls(Month(year, 1), 12, f"{year:04d}")

    @classmethod
    def current_month(cls) -> Period:
        return cls.parse(str(Month.current()))

    @property
    def start(self):
        return self.first.start

    @property
    def end(self):
        return self.first.shift(self.months).start

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Scope:
    """Whose findings the viewer may read (``complaints.selectors.findings_visible_to``): the
    complaints with those findings, and whose row the table shows (everything, one department,
    or one person)."""

    complaints: QuerySet[Complaint]
    department_id: int | None = None
    person_id: int | None = None

    @property
    def contests(self) -> Q:
        # The contests about those findings. The person's own are the ones they made: an
        # overturned finding no longer names them, but the contest still counts for them.
        if self.person_id is not None:
            return Q(contested_by_id=self.person_id)
        if self.department_id is not None:
            return Q(complaint__responsible_department_id=self.department_id)
        return Q()

    @property
    def shows_units(self) -> bool:
        return self.person_id is None


def scope_for(user) -> Scope:
    complaints = selectors.findings_visible_to(user)
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        return Scope(complaints)
    if tier == rules.MANAGER:
        return Scope(complaints, department_id=rules.department_id_of(user))
    if tier == rules.FRONTLINE:
        return Scope(complaints, person_id=user.pk)
    raise PermissionDenied


COUNTS = ["substantiated", "major", "repeats", "with_deadline", "on_time"]
CONTACTS = list(FOLLOW_UP_COUNTS)
CONTESTS = ["contests", "overturned"]


@dataclass
class Row:
    name: str
    key: Any
    department: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, values: dict[str, Any], keys: list[str]) -> None:
        for key in keys:
            self.counts[key] = self.counts.get(key, 0) + (values.get(key) or 0)

    def get(self, key: str) -> int:
        return self.counts.get(key, 0)

    @property
    def on_time_rate(self):
        return percent(_rate(self.get("on_time"), self.get("with_deadline")))

    @property
    def satisfaction_rate(self):
        return percent(_rate(self.get("satisfied"), self.get("reached")))


@dataclass
class Table:
    period: Period
    units: list[Row]
    people: list[Row]


def _findings(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """One pass over the findings resolved in the period (cmp_resp_dept_resolved_idx)."""
    resolved = Q(resolved_at__gte=period.start, resolved_at__lt=period.end)
    due = Q(resolution_due_at__isnull=False)
    return list(
        scope.complaints.filter(resolved, substantiated=True, responsible_department__isnull=False)
        .values("responsible_department_id", "responsible_person_id")
        .annotate(
            substantiated=Count("pk"),
            major=Count("pk", filter=Q(priority=Priority.MAJOR)),
            repeats=Count("pk", filter=Q(repeat_of__isnull=False)),
            # The monthly report's on-time rule (reporting.figures.month_bundle).
            with_deadline=Count("pk", filter=due),
            on_time=Count("pk", filter=due & Q(resolved_at__lte=F("resolution_due_at"))),
        )
        .order_by()
    )


def _contacts(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Follow-up contacts in the period on substantiated complaints with a finding in scope, by
    the unit and person the complaint names now.

    The contacts are the monthly report's (``figures._follow_ups``: one history row each, served
    by hcmp_follow_up_month_idx); they are joined to the complaints they belong to on the
    primary key. The history row's ``id`` is the complaint's id but not a foreign key, so the
    join is written here around the two queries the ORM compiles (portable SQL: SQLite runs it).
    """
    contacts = (
        _follow_ups(Complaint.objects.all(), None, period.start, period.end)
        .order_by()
        .values_list("id", "follow_up_outcome")
    )
    named = (
        scope.complaints.filter(substantiated=True, responsible_department__isnull=False)
        .order_by()
        .values_list("id", "responsible_department_id", "responsible_person_id")
    )
    contacts_sql, contacts_params = contacts.query.sql_with_params()
    named_sql, named_params = named.query.sql_with_params()

    def among(values: list[str]) -> str:
        return f"f.follow_up_outcome IN ({', '.join(['%s'] * len(values))})"

    sql = (
        "SELECT n.responsible_department_id, n.responsible_person_id, "  # noqa: S608 - the ORM's SQL; values are parameters
        f"COUNT(*) FILTER (WHERE {among(REACHED)}), "
        f"COUNT(*) FILTER (WHERE {among(SATISFIED)}), "
        "COUNT(*) FILTER (WHERE f.follow_up_outcome = %s) "
        f"FROM ({contacts_sql}) f JOIN ({named_sql}) n ON n.id = f.id "
        "GROUP BY n.responsible_department_id, n.responsible_person_id"
    )
    params = [
        *map(str, REACHED),
        *map(str, SATISFIED),
        str(FollowUpOutcome.UNREACHABLE),
        *contacts_params,
        *named_params,
    ]
    with connections[named.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {"unit": unit, "person": person, "reached": r, "satisfied": s, "unreachable": u}
            for unit, person, r, s, u in cursor.fetchall()
        ]


def _contests(scope: Scope, period: Period) -> list[dict[str, Any]]:
    return list(
        ResponsibilityContest.objects.filter(
            scope.contests, contested_at__gte=period.start, contested_at__lt=period.end
        )
        .values("complaint__responsible_department_id", "contested_by_id")
        .annotate(
            contests=Count("pk"),
            overturned=Count("pk", filter=Q(outcome=ResponsibilityContest.Outcome.OVERTURNED)),
        )
        .order_by()
    )


def accountability_table(user, period: Period) -> Table:
    """The table ``user`` may read for ``period``; see the module docstring."""
    scope = scope_for(user)
    groups = [
        (row["responsible_department_id"], row["responsible_person_id"], row, COUNTS)
        for row in _findings(scope, period)
    ]
    groups += [(row["unit"], row["person"], row, CONTACTS) for row in _contacts(scope, period)]
    groups += [
        (row["complaint__responsible_department_id"], row["contested_by_id"], row, CONTESTS)
        for row in _contests(scope, period)
    ]
    departments = Department.objects.in_bulk({unit for unit, _p, _r, _k in groups} - {None})
    people = get_user_model().objects.in_bulk({person for _u, person, _r, _k in groups} - {None})
    units: dict[Any, Row] = {}
    persons: dict[Any, Row] = {}
    for unit, person, values, keys in groups:
        unit_name = departments[unit].name if unit in departments else ""
        if scope.shows_units and unit is not None:
            units.setdefault(unit, Row(unit_name or "–", unit)).add(values, keys)
        if person is not None and (scope.person_id is None or person == scope.person_id):
            name = display_name(people.get(person)) or "–"
            persons.setdefault((unit, person), Row(name, (unit, person), unit_name)).add(
                values, keys
            )

    def ordered(rows: dict[Any, Row]) -> list[Row]:
        return sorted(rows.values(), key=lambda r: (-r.get("substantiated"), r.name, str(r.key)))

    return Table(period, ordered(units), ordered(persons))


# --- exports -------------------------------------------------------------------------------------


def headers() -> list[str]:
    return [
        _("Complaints substantiated"),
        _("of which major"),
        _("of which repeat"),
        _("On-time rate"),
        _("Satisfaction rate"),
        _("Contests made"),
        _("Contests overturned"),
    ]


def _figures(row: Row) -> list[Any]:
    return [
        row.get("substantiated"),
        row.get("major"),
        row.get("repeats"),
        "" if row.on_time_rate is None else row.on_time_rate,
        "" if row.satisfaction_rate is None else row.satisfaction_rate,
        row.get("contests"),
        row.get("overturned"),
    ]


def export_rows(table: Table) -> list[list[Any]]:
    """The table as spreadsheet rows; the export writers pass every cell through safe_cell."""
    rows: list[list[Any]] = [[_("Accountability"), str(table.period)]]
    if table.units:
        rows += [[], [_("Responsible department"), *headers()]]
        rows += [[row.name, *_figures(row)] for row in table.units]
    rows += [[], [_("Responsible person"), _("Responsible department"), *headers()]]
    rows += [[row.name, row.department, *_figures(row)] for row in table.people]
    return rows
