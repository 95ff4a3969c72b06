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
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules, selectors
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

# What each history row's action is called on the timeline and in lists of changes.
ACTION_TITLES = {
    "register": _("Registered"),
    "classify": _("Classified"),
    "reject": _("Rejected"),
    "assign": _("Assigned"),
    "resolve": _("Resolved"),
    "follow_up": _("Follow-up recorded"),
    "reopen": _("Reopened"),
    "close": _("Closed"),
    "withdraw": _("Withdrawn / terminated"),
    "escalate": _("Escalated"),
    "approve_remedy": _("Remedy approved"),
    "edit": _("Details corrected"),
    "link_repeat": _("Linked as a repeat complaint"),
    "first_response": _("First response to the complainant"),
    "note": _("Note"),
    "communication": _("Contact with the complainant"),
    "attachment": _("Attachment"),
}


def action_title(action: str) -> str:
    """Known actions by name; others (the deadline writes of the escalation app, say) as
    "Updated (action)"."""
    if action in ACTION_TITLES:
        return str(ACTION_TITLES[action])
    return str(_("Updated (%(action)s)") % {"action": action or "—"})


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


def frontline(user) -> dict[str, Any]:
    return {
        "my_open": list(my_open_complaints(user)[:LIST_LIMIT]),
        "queue": list(department_queue(user)[:LIST_LIMIT]),
    }


# --- department manager ---------------------------------------------------------------------------


@dataclass
class StateCount:
    state: str
    label: Any
    count: int


def _state_counts(queryset: QuerySet) -> list[StateCount]:
    counts = dict(queryset.order_by().values_list("state").annotate(n=Count("id")))
    return [StateCount(value, label, counts.get(value, 0)) for value, label in State.choices]


def department_figures(user) -> dict[str, int]:
    """Open, unassigned and overdue counts of the manager's department: one aggregate over the
    department's open rows (cmp_dept_state_recv_idx)."""
    department_id = rules.department_id_of(user)
    return (
        selectors.complaints_visible_to(user)
        .filter(department_id=department_id, state__in=OPEN_STATES)
        .aggregate(
            open=Count("id"),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            overdue=Count("id", filter=overdue_q()),
            major=Count("id", filter=Q(priority=Priority.MAJOR)),
        )
    )


def handler_workload(department_id: int | None) -> QuerySet:
    """The department's active handlers with their open and overdue complaints, including those
    with none: one query, the per-handler counts served by cmp_assignee_state_idx."""
    open_for_handler = Q(assigned_complaints__state__in=OPEN_STATES)
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_profile__department_id=department_id,
            staff_profile__tier__in=[Tier.FRONTLINE, Tier.MANAGER],
        )
        .annotate(
            open_count=Count("assigned_complaints", filter=open_for_handler),
            overdue_count=Count(
                "assigned_complaints",
                filter=Q(
                    assigned_complaints__state__in=HANDLING_STATES,
                    assigned_complaints__next_due_at__lt=Now(),
                ),
            ),
        )
        .order_by("-open_count", "username")
    )


def escalations_waiting(user, tier: str) -> QuerySet[Complaint]:
    """Complaints still being handled that have reached ``tier`` (and that ``user`` sees)."""
    return _by_due(
        selectors.complaints_visible_to(user).filter(tier=tier, state__in=HANDLING_STATES)
    )


def manager(user) -> dict[str, Any]:
    department_id = rules.department_id_of(user)
    visible = selectors.complaints_visible_to(user)
    return {
        "by_state": _state_counts(visible.filter(department_id=department_id)),
        "figures": department_figures(user),
        "workload": list(handler_workload(department_id)),
        "escalations": list(
            escalations_waiting(user, Tier.MANAGER).filter(department_id=department_id)[:LIST_LIMIT]
        ),
    }


# --- general manager -----------------------------------------------------------------------------


def _per_department(condition: Q) -> Coalesce:
    # A correlated count per department row: PostgreSQL answers each from
    # cmp_dept_state_recv_idx (department_id = ? AND state IN ...), so the whole table is never
    # scanned however many closed complaints it holds.
    subquery = (
        Complaint.objects.filter(condition, department_id=OuterRef("pk"), state__in=OPEN_STATES)
        .order_by()
        .values("department_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(subquery, output_field=IntegerField()), Value(0))


def organisation_by_department() -> QuerySet[Department]:
    """Every department with its open, unassigned, overdue and major counts: one query."""
    return (
        Department.objects.filter(active=True)
        .annotate(
            open_count=_per_department(Q()),
            unassigned_count=_per_department(Q(assignee__isnull=True)),
            overdue_count=_per_department(overdue_q()),
            major_count=_per_department(Q(priority=Priority.MAJOR)),
        )
        .order_by("name")
    )


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
    return _by_due(
        selectors.complaints_visible_to(user).filter(priority=Priority.MAJOR, state__in=OPEN_STATES)
    )


def general_manager(user) -> dict[str, Any]:
    return {
        "departments": list(organisation_by_department()),
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
    return {"recent_changes": recent_changes(user)}
