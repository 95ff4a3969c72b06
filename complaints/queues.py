"""The work queues every user has out of the box, and their counts in the navigation.

Each queue is a condition on ``selectors.complaints_visible_to(user)``, so a queue can never
show (or count) a complaint its user may not see. The list page applies one through its
filterset's ``queue`` parameter (``complaints.filters.ComplaintFilter``), so it combines with
the other filters, the sort and the keyset pagination.

"Waiting for my approval" is the escalation app's knowledge (pause and extension requests live
there), and the core imports no other app. That app registers the condition from its
``AppConfig.ready`` through ``register_approval_condition``, in the style of
``complaints.deadline_flags``; with nothing registered the queue is empty.

Counts are capped (``COUNT_CAP``: "99+" rather than a COUNT over a million rows) and cached
per user for ``settings.REDRESS_QUEUE_COUNT_SECONDS`` seconds, so a page load with a warm
cache issues no count query at all. Which index serves each queue is said next to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules, selectors
from complaints.models import HANDLING_STATES, OPEN_STATES, Complaint, State

# A badge counts up to this many rows and then says "99+".
COUNT_CAP = 100

_approval_conditions: list[Callable[[Any], Q | None]] = []


def register_approval_condition(condition: Callable[[Any], Q | None]) -> None:
    """``condition(user)`` is a ``Q`` over complaints holding a request that ``user`` must
    decide (or None when the user decides nothing). Registered by the escalation app."""
    if condition not in _approval_conditions:
        _approval_conditions.append(condition)


def local_day_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in ``settings.TIME_ZONE`` (Asia/Shanghai): "due today" is
    the local day, not the UTC one (at 00:30 in Shanghai it is still yesterday in UTC)."""
    today = timezone.localtime(now or timezone.now()).date()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time()))
    return start, end


def _my_open(user, now: dt.datetime) -> Q | None:
    # cmp_assignee_state_idx: assignee_id = ? AND state IN (...)
    return Q(assignee_id=user.pk, state__in=OPEN_STATES)


def _department_unassigned(user, now: dt.datetime) -> Q | None:
    # cmp_unassigned_queue_idx (partial: assignee IS NULL AND an open state).
    department_id = rules.department_id_of(user)
    if department_id is None:
        return None
    return Q(department_id=department_id, assignee__isnull=True, state__in=OPEN_STATES)


def _due_today(user, now: dt.datetime) -> Q | None:
    # cmp_sla_sweep_idx (running clocks) and cmp_follow_up_due_idx (follow-ups waiting).
    start, end = local_day_bounds(now)
    return Q(
        state__in=HANDLING_STATES,
        next_due_at__isnull=False,
        next_due_at__gte=start,
        next_due_at__lt=end,
    ) | Q(
        state=State.RESOLVED,
        follow_up_due_at__isnull=False,
        follow_up_due_at__gte=start,
        follow_up_due_at__lt=end,
    )


def _overdue(user, now: dt.datetime) -> Q | None:
    from complaints.filters import overdue_q  # filters imports this module for its choices

    return overdue_q(now)


def _approvals(user, now: dt.datetime) -> Q | None:
    if rules.tier_of(user) not in (rules.MANAGER, rules.GM):
        return None
    conditions = [c for c in (check(user) for check in _approval_conditions) if c is not None]
    if not conditions:
        return None
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def _follow_ups_due(user, now: dt.datetime) -> Q | None:
    # cmp_follow_up_due_idx: resolved complaints whose follow-up falls due by tonight.
    _start, end = local_day_bounds(now)
    return Q(state=State.RESOLVED, follow_up_due_at__isnull=False, follow_up_due_at__lt=end)


@dataclass(frozen=True)
class Queue:
    key: str
    label: Any
    condition: Callable[[Any, dt.datetime], Q | None]
    # Shown as a badge beside the navigation's menu, not only inside it.
    badge: bool = False
    # Only these tiers have the queue (empty: every handling tier).
    deciders: tuple[str, ...] = ()


QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        Queue("mine", _("My open complaints"), _my_open),
        Queue("unassigned", _("My department's unassigned"), _department_unassigned),
        Queue("due_today", _("Due today"), _due_today),
        Queue("overdue", _("Overdue"), _overdue, badge=True),
        Queue(
            "approvals",
            _("Waiting for my approval"),
            _approvals,
            badge=True,
            deciders=(rules.MANAGER, rules.GM),
        ),
        Queue("follow_ups", _("Follow-ups due"), _follow_ups_due),
    )
}


def queues_for(user) -> list[Queue]:
    """The queues ``user`` works from: every one for managers and the general manager, all but
    the approvals for frontline staff (they decide no request); none for an auditor (they read,
    they never act) or a user without a tier."""
    if not selectors.may_write(user):
        return []
    tier = rules.tier_of(user)
    return [queue for queue in QUEUES.values() if not queue.deciders or tier in queue.deciders]


def queue_filter(user, key: str, now: dt.datetime | None = None) -> Q:
    """The condition of queue ``key`` for ``user``: matches nothing for a queue they lack."""
    queue = QUEUES.get(key)
    if queue is None or queue not in queues_for(user):
        return Q(pk__in=[])
    condition = queue.condition(user, now or timezone.now())
    return Q(pk__in=[]) if condition is None else condition


def queue_complaints(user, key: str, now: dt.datetime | None = None) -> QuerySet[Complaint]:
    """The complaints of queue ``key`` that ``user`` may see."""
    return selectors.complaints_visible_to(user).filter(queue_filter(user, key, now))


def capped_count(queryset: QuerySet) -> int:
    """``min(count, COUNT_CAP)``: ``SELECT COUNT(*) FROM (... LIMIT 100)``, which stops reading
    the index after a hundred rows however many match."""
    return queryset.order_by()[:COUNT_CAP].count()


def capped_counts(querysets: dict[str, QuerySet]) -> dict[str, int]:
    """``capped_count`` of each queryset, all in one round trip:
    ``SELECT (SELECT COUNT(*) FROM (... LIMIT 100)), (SELECT COUNT(*) FROM (...)), ...``.
    Six queues cost one query rather than six on a cold cache."""
    if not querysets:
        return {}
    parts, params, using = [], [], None
    for index, queryset in enumerate(querysets.values()):
        capped = queryset.order_by().values("pk")[:COUNT_CAP]
        using = capped.db
        sql, part_params = capped.query.get_compiler(using=using).as_sql()
        # The SQL is the ORM's own compilation, values kept as parameters: nothing typed in.
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS capped_{index})")  # noqa: S608 - ORM SQL
        params.extend(part_params)
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: int(value) for key, value in zip(querysets, row, strict=True)}


def count_label(count: int) -> str:
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)


def _cache_key(user) -> str:
    return f"redress:queue-counts:{user.pk}"


def queue_counts(user) -> dict[str, int]:
    """Each of ``user``'s queues with its capped count, cached per user for
    ``REDRESS_QUEUE_COUNT_SECONDS`` (a badge a few seconds behind is fine; a page load that
    counts six queues every time is not). One query (every queue's capped count) on a cold cache."""
    queues = queues_for(user)
    if not queues:
        return {}
    seconds = settings.REDRESS_QUEUE_COUNT_SECONDS
    key = _cache_key(user)
    if seconds > 0:
        cached = cache.get(key)
        if cached is not None:
            return cached
    now = timezone.now()
    visible = selectors.complaints_visible_to(user)
    conditions = {queue.key: queue.condition(user, now) for queue in queues}
    counts = dict.fromkeys(conditions, 0)
    counts.update(
        capped_counts({key: visible.filter(c) for key, c in conditions.items() if c is not None})
    )
    if seconds > 0:
        cache.set(key, counts, seconds)
    return counts


def forget_counts(user) -> None:
    """Drop ``user``'s cached counts (after they saved work, say); the next page recounts."""
    cache.delete(_cache_key(user))
