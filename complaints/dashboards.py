"""What each tier's dashboard shows, as a handful of fixed SQL queries per dashboard.

Every query starts from ``selectors.complaints_visible_to`` (or narrows it further) and is
bounded: lists take the first rows of an indexed order, counts aggregate in SQL. Which index
serves which query is said next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import queues, rules, selectors
from complaints.filters import overdue_q
from complaints.models import (
    HANDLING_STATES,
    OPEN_STATES,
    Complaint,
    Department,
    Priority,
    State,
    Tier,
)

LIST_LIMIT = 20


def _by_due(queryset: QuerySet) -> QuerySet:
    # Most urgent first: the earliest running deadline, then the oldest complaint.
    return queryset.with_list_relations().order_by(
        F("next_due_at").asc(nulls_last=True), "received_at", "id"
    )


# --- frontline -----------------------------------------------------------------------------------


def my_open_complaints(user) -> QuerySet[Complaint]:
    """Open complaints assigned to ``user`` (cmp_assignee_state_idx)."""
    return _by_due(
        selectors.complaints_visible_to(user).filter(assignee_id=user.pk, state__in=OPEN_STATES)
    )


def department_queue(user) -> QuerySet[Complaint]:
    """Open, unassigned complaints of the user's department, plus the unrouted intake queue
    (cmp_dept_state_recv_idx for both branches)."""
    department_id = rules.department_id_of(user)
    return _by_due(
        selectors.complaints_visible_to(user).filter(
            Q(department_id=department_id) | Q(department__isnull=True),
            assignee__isnull=True,
            state__in=OPEN_STATES,
        )
    )


# --- deadlines in sight (every tier) -------------------------------------------------------------


def deadline_cards(user) -> list[dict[str, Any]]:
    """Due today, overdue, waiting for my approval and follow-ups due, each with its count and
    where to work on it. The counts are the navigation's (``queues.queue_counts``: capped and
    cached per user), so a dashboard after any page costs no count query. An auditor, who has
    no queues of work, sees what is overdue across what they read (one capped count)."""
    list_url = "/complaints/"
    if not selectors.may_write(user):
        if rules.tier_of(user) is None:
            return []
        count = queues.capped_count(selectors.complaints_visible_to(user).filter(overdue_q()))
        return [
            {
                "key": "overdue",
                "label": _("Overdue"),
                "count": queues.count_label(count),
                "urgent": bool(count),
                "url": f"{list_url}?overdue=true",
                "more_url": None,
                "more_label": "",
            }
        ]
    counts = queues.queue_counts(user)
    cards = [
        ("due_today", "/escalation/due-soon/", _("Due soon")),
        ("overdue", None, ""),
        ("follow_ups", None, ""),
    ]
    if rules.tier_of(user) in (rules.MANAGER, rules.GM):
        cards.insert(2, ("approvals", "/escalation/requests/", _("Requests to decide")))
    return [
        {
            "key": key,
            "label": queues.QUEUES[key].label,
            "count": queues.count_label(counts.get(key, 0)),
            "urgent": key in ("overdue", "approvals") and bool(counts.get(key, 0)),
            # Approvals are decided on the escalation app's page; the others are list queues.
            "url": more_url if key == "approvals" else f"{list_url}?queue={key}",
            "more_url": None if key == "approvals" else more_url,
            "more_label": more_label,
        }
        for key, more_url, more_label in cards
    ]


def frontline(user) -> dict[str, Any]:
    return {
        "deadline_cards": deadline_cards(user),
        "my_open": list(my_open_complaints(user)[:LIST_LIMIT]),
        "queue": list(department_queue(user)[:LIST_LIMIT]),
    }


# --- department manager ---------------------------------------------------------------------------
#
# "Being handled" means the handling states (received, classified, assigned): the complaints
# someone still has to act on, and the only ones that can be unassigned (an assigned complaint
# has a handler by constraint). Overdue is those plus a resolved complaint whose follow-up is
# past due. Reading these states instead of every open state keeps each aggregate to the few
# thousand rows still moving, not the followed-up cases waiting for closure.


@dataclass
class StateCount:
    state: str
    label: Any
    count: int


def _open_state_counts(queryset: QuerySet) -> list[StateCount]:
    """Open complaints per state: WHERE department_id = ? AND state IN (...) GROUP BY state,
    an index-only read of cmp_dept_state_recv_idx."""
    counts = dict(
        queryset.filter(state__in=OPEN_STATES)
        .order_by()
        .values_list("state")
        .annotate(n=Count("id"))
    )
    return [
        StateCount(value, label, counts.get(value, 0))
        for value, label in State.choices
        if value in OPEN_STATES
    ]


# The rows the figures read: those being handled, and the resolved ones, whose follow-up (回访)
# can be overdue too. "Overdue" is then the same figure as the overdue queue and deadline card
# (``overdue_q``), so a dashboard never shows two different overdue counts side by side.
FIGURE_STATES = (*HANDLING_STATES, State.RESOLVED)


def _handling_figures() -> dict[str, Count]:
    handling = Q(state__in=HANDLING_STATES)
    return {
        "handling": Count("id", filter=handling),
        "unassigned": Count("id", filter=handling & Q(assignee__isnull=True)),
        "overdue": Count("id", filter=overdue_q()),
        "major": Count("id", filter=handling & Q(priority=Priority.MAJOR)),
    }


def department_figures(user) -> dict[str, int]:
    """Being handled, unassigned, overdue and major counts of the manager's department: one
    aggregate over its handling rows (cmp_dept_state_recv_idx)."""
    return (
        selectors.complaints_visible_to(user)
        .filter(department_id=rules.department_id_of(user), state__in=FIGURE_STATES)
        .aggregate(**_handling_figures())
    )


def handler_workload(user) -> list:
    """The active handlers of ``user``'s department, each with ``open_count`` and
    ``overdue_count`` of the open complaints assigned to them among those ``user`` sees
    (a handler who moved here keeps no count of another department's complaints), including
    handlers with nothing: two queries, the counts one pass over the handlers' open complaints
    (cmp_assignee_state_idx: assignee_id IN (...) AND state IN (...))."""
    handlers = list(
        get_user_model().objects.filter(
            is_active=True,
            staff_profile__department_id=rules.department_id_of(user),
            staff_profile__tier__in=[Tier.FRONTLINE, Tier.MANAGER],
        )
    )
    counts = {
        row["assignee_id"]: row
        for row in selectors.complaints_visible_to(user)
        .filter(assignee_id__in=[h.pk for h in handlers], state__in=OPEN_STATES)
        .order_by()
        .values("assignee_id")
        .annotate(open_count=Count("id"), overdue_count=Count("id", filter=overdue_q()))
    }
    for handler in handlers:
        handler.open_count = counts.get(handler.pk, {}).get("open_count", 0)
        handler.overdue_count = counts.get(handler.pk, {}).get("overdue_count", 0)
    return sorted(handlers, key=lambda h: (-h.open_count, h.username))


def escalations_waiting(user, tier: str) -> QuerySet[Complaint]:
    """Complaints still being handled that have reached ``tier`` (and that ``user`` sees)."""
    return _by_due(
        selectors.complaints_visible_to(user).filter(tier=tier, state__in=HANDLING_STATES)
    )


def manager(user) -> dict[str, Any]:
    department_id = rules.department_id_of(user)
    visible = selectors.complaints_visible_to(user)
    return {
        "deadline_cards": deadline_cards(user),
        "by_state": _open_state_counts(visible.filter(department_id=department_id)),
        "figures": department_figures(user),
        "workload": handler_workload(user),
        "escalations": list(
            escalations_waiting(user, Tier.MANAGER).filter(department_id=department_id)[:LIST_LIMIT]
        ),
    }


# --- general manager -----------------------------------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department | None  # None: received complaints no department has taken yet
    handling: int = 0
    unassigned: int = 0
    overdue: int = 0
    major: int = 0


def organisation_by_department(user) -> list[DepartmentRow]:
    """Every active department (and the unrouted intake queue when it holds anything) with
    its complaints being handled, unassigned, overdue and major: two queries, the counts one
    GROUP BY over the handling rows."""
    counts = {
        row.pop("department_id"): row
        for row in selectors.complaints_visible_to(user)
        .filter(state__in=FIGURE_STATES)
        .order_by()
        .values("department_id")
        .annotate(**_handling_figures())
    }
    rows = [
        DepartmentRow(department, **counts.get(department.pk, {}))
        for department in Department.objects.filter(active=True).order_by("name")
    ]
    if None in counts:
        rows.append(DepartmentRow(None, **counts[None]))
    return rows


def month_start(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def month_headlines(user) -> dict[str, int]:
    """This month's headline figures, each a COUNT over an indexed range: received
    (cmp_received_idx), resolved (cmp_resolved_at_idx), closed (cmp_closed_at_idx), and the
    complaints overdue right now (the partial cmp_sla_sweep_idx)."""
    start = month_start()
    visible = selectors.complaints_visible_to(user)
    return {
        "received": visible.filter(received_at__gte=start).count(),
        "resolved": visible.filter(resolved_at__gte=start).count(),
        "closed": visible.filter(closed_at__gte=start).count(),
        "overdue": visible.filter(overdue_q()).count(),
    }


def major_complaints(user) -> QuerySet[Complaint]:
    """Major complaints still being handled, most urgent first."""
    return _by_due(
        selectors.complaints_visible_to(user).filter(
            priority=Priority.MAJOR, state__in=HANDLING_STATES
        )
    )


def general_manager(user) -> dict[str, Any]:
    return {
        "deadline_cards": deadline_cards(user),
        "departments": organisation_by_department(user),
        "headlines": month_headlines(user),
        "major": list(major_complaints(user)[:LIST_LIMIT]),
        "escalations": list(escalations_waiting(user, Tier.GM)[:LIST_LIMIT]),
    }


# --- auditor -------------------------------------------------------------------------------------


def recent_changes(user, limit: int = LIST_LIMIT) -> list:
    """The latest history rows across the complaints ``user`` sees (history_date index)."""
    visible_ids = selectors.complaints_visible_to(user).values("id")
    return list(
        Complaint.history.filter(id__in=visible_ids)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )


def auditor(user) -> dict[str, Any]:
    return {"deadline_cards": deadline_cards(user), "recent_changes": recent_changes(user)}
