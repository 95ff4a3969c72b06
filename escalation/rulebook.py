"""The SLA policies and calendars as plain values, loaded from the database once and cached.

Every lifecycle move computes deadlines, and the sweep may escalate a thousand complaints in a
run: reading policies and calendar days per complaint would cost more than the escalation. The
tables are tiny, so the whole set is loaded at once and kept for
``ESCALATION_RULES_CACHE_SECONDS``; saving a policy, calendar, day or category in this process
drops the cache at once, other processes (the django-q2 workers) see the change within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings

from complaints import rules
from escalation.calendar import DayKind, WorkingCalendar


@dataclass(frozen=True)
class Policy:
    id: int
    name: str
    priority: str
    category_id: int | None
    department_id: int | None
    calendar: WorkingCalendar
    # name → (amount, unit) for acceptance, first_response, resolution, follow_up
    targets: dict[str, tuple[int, str]] = field(default_factory=dict)
    # name → the event each target counts from (``escalation.models.Start``); a target not
    # listed counts from its default (``DEFAULT_STARTS``)
    starts: dict[str, str] = field(default_factory=dict)
    # tier → (amount, unit): how long a complaint may stay with that tier
    budgets: dict[str, tuple[int, str]] = field(default_factory=dict)
    max_extensions: int = 2
    extension: tuple[int, str] = (15, "days")
    # Applies only to appeals against a refusal (不予受理复查), and to them first.
    refusal_appeals: bool = False

    def __hash__(self) -> int:
        return hash(self.id)

    @property
    def display_name(self) -> str:
        """The name in the active language: the cached copy of ``SlaPolicy.display_name``
        (pages show the policy from here, not from the model row)."""
        from escalation.models import shown_name

        return shown_name(self.name)

    def start_of(self, target: str) -> str:
        from escalation.models import DEFAULT_STARTS

        return self.starts.get(target) or str(DEFAULT_STARTS[target])


@dataclass(frozen=True)
class RuleBook:
    policies: list[Policy]
    default_calendar: WorkingCalendar
    category_parent: dict[int, int | None]

    def policy_for(
        self,
        *,
        priority: str,
        category_id: int | None,
        department_id: int | None,
        refusal_appeal: bool = False,
    ) -> Policy | None:
        """The active policy that matches most specifically (for an appeal against a refusal
        the refusal-appeal policies first; then department, then category — a leaf over its
        parent — then priority); None when nothing matches."""
        parent_id = self.category_parent.get(category_id) if category_id else None
        best: tuple[tuple[int, int, int, int], Policy] | None = None
        for policy in self.policies:
            if policy.refusal_appeals and not refusal_appeal:
                continue
            if policy.department_id is not None and policy.department_id != department_id:
                continue
            if policy.priority and policy.priority != priority:
                continue
            if policy.category_id is None:
                category_rank = 0
            elif policy.category_id == category_id:
                category_rank = 2
            elif parent_id is not None and policy.category_id == parent_id:
                category_rank = 1
            else:
                continue
            rank = (
                int(policy.refusal_appeals),
                int(policy.department_id is not None),
                category_rank,
                int(bool(policy.priority)),
            )
            if best is None or rank > best[0]:
                best = (rank, policy)
        return best[1] if best else None

    def for_complaint(self, complaint) -> Policy | None:
        return self.policy_for(
            priority=complaint.priority,
            category_id=complaint.category_id,
            department_id=complaint.department_id,
            # Only appeals read their original (one query); other complaints never do.
            refusal_appeal=complaint.appeal_of_id is not None
            and rules.is_refusal_appeal(complaint),
        )

    def calendar_of(self, policy: Policy | None) -> WorkingCalendar:
        return policy.calendar if policy is not None else self.default_calendar


_lock = threading.Lock()
_cached: tuple[float, RuleBook] | None = None


def rulebook() -> RuleBook:
    global _cached
    now = time.monotonic()
    with _lock:
        if _cached is not None and _cached[0] > now:
            return _cached[1]
    book = load()
    with _lock:
        _cached = (now + settings.ESCALATION_RULES_CACHE_SECONDS, book)
    return book


def invalidate(**kwargs) -> None:
    global _cached
    with _lock:
        _cached = None


def load() -> RuleBook:
    """Read every calendar and active policy (a few queries, whatever the number of
    complaints); ``rulebook()`` caches the result until a change invalidates it."""
    from complaints.models import Category

    calendars, default = _load_calendars()
    policies = _load_policies(calendars, default)
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    return RuleBook(policies=policies, default_calendar=default, category_parent=parents)


def _load_calendars() -> tuple[dict[int, WorkingCalendar], WorkingCalendar]:
    """Each work calendar with its days and loaded/confirmed years, by id, and the default."""
    from escalation.models import CalendarDay, CalendarYear, WorkCalendar

    days: dict[int, dict] = {}
    for calendar_id, day, kind in CalendarDay.objects.values_list("calendar_id", "day", "kind"):
        days.setdefault(calendar_id, {})[day] = DayKind(kind)
    loaded: dict[int, set[int]] = {}
    confirmed: dict[int, set[int]] = {}
    for calendar_id, year, status in CalendarYear.objects.values_list(
        "calendar_id", "year", "status"
    ):
        loaded.setdefault(calendar_id, set()).add(year)
        if status == CalendarYear.Status.CONFIRMED:
            confirmed.setdefault(calendar_id, set()).add(year)
    calendars: dict[int, WorkingCalendar] = {}
    default = None
    for row in WorkCalendar.objects.all():
        calendars[row.pk] = WorkingCalendar(
            tz=ZoneInfo(row.time_zone),
            opens=row.opens,
            closes=row.closes,
            weekend=row.weekend_days(),
            days=days.get(row.pk, {}),
            calendar_id=row.pk,
            loaded_years=frozenset(loaded.get(row.pk, ())) if row.holiday_country else None,
            confirmed_years=frozenset(confirmed.get(row.pk, ())) if row.holiday_country else None,
        )
        if row.is_default:
            default = calendars[row.pk]
    if default is None:
        default = WorkingCalendar(tz=ZoneInfo(settings.TIME_ZONE))
    return calendars, default


def _load_policies(calendars: dict[int, WorkingCalendar], default: WorkingCalendar) -> list[Policy]:
    """The active SLA policies, each with its calendar (the default when it names none)."""
    from escalation.models import BUDGETS, TARGETS, SlaPolicy

    policies = []
    for row in SlaPolicy.objects.filter(active=True):
        targets = {name: row.target(name) for name in TARGETS if row.target(name)}
        budgets = {tier: row.target(name) for tier, name in BUDGETS.items() if row.target(name)}
        policies.append(
            Policy(
                id=row.pk,
                name=row.name,
                priority=row.priority,
                category_id=row.category_id,
                department_id=row.department_id,
                calendar=calendars.get(row.calendar_id, default),
                targets=targets,
                starts={name: row.start(name) for name in TARGETS},
                budgets={str(tier): value for tier, value in budgets.items()},
                max_extensions=row.max_extensions,
                extension=(row.extension_amount, row.extension_unit),
                refusal_appeals=row.refusal_appeals,
            )
        )
    return policies
