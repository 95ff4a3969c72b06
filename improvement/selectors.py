"""Reads of corrective actions. ``actions_visible_to`` is the one visibility function for
actions: pages, admin, API and other apps' reports start from it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from complaints import rules as core
from complaints.selectors import complaints_visible_to
from improvement.models import OPEN_ACTION_STATES, ActionComplaint, CorrectiveAction


def actions_visible_to(user) -> QuerySet[CorrectiveAction]:
    """Which corrective actions ``user`` may see.

    - general manager (and superusers) and auditors: all;
    - department manager: the department's actions, plus those they own or that address a
      complaint they can see;
    - frontline: the actions they own and those that address a complaint they can see;
    - anyone else: none.

    "Addresses a complaint they can see" is an EXISTS over the link table
    (``capa_link_complaint_idx``) joined to ``complaints_visible_to(user)``.
    """
    qs = CorrectiveAction.objects.all()
    tier = core.tier_of(user)
    if tier in (core.GM, core.AUDITOR):
        return qs
    if tier not in (core.MANAGER, core.FRONTLINE):
        return qs.none()
    linked = Exists(
        ActionComplaint.objects.filter(
            action_id=OuterRef("pk"),
            complaint__in=complaints_visible_to(user).values("pk"),
        )
    )
    mine = Q(owner_id=user.pk) | linked
    if tier == core.MANAGER:
        mine |= Q(department_id=core.department_id_of(user))
    return qs.filter(mine)


def with_list_relations(qs: QuerySet[CorrectiveAction]) -> QuerySet[CorrectiveAction]:
    """The joins every list of actions needs, so a page costs the same queries whatever its size."""
    return qs.select_related("cause", "cause__parent", "owner", "department")


def get_action_for(user, pk: int) -> CorrectiveAction:
    """The action ``pk`` if ``user`` may see it, else 404 (never reveal that it exists)."""
    try:
        return with_list_relations(actions_visible_to(user)).get(pk=pk)
    except CorrectiveAction.DoesNotExist as exc:
        raise Http404(pk) from exc


def actions_in_period(user, start: dt.datetime, end: dt.datetime) -> QuerySet[CorrectiveAction]:
    """Actions visible to ``user`` that were opened, completed or verified in [start, end).

    Each row carries its dates (``opened_at``, ``completed_at``, ``verified_at``, and
    ``state``/``due_on``); served by ``capa_opened_idx``, ``capa_completed_idx`` and
    ``capa_verified_idx``.
    """
    in_period = (
        Q(opened_at__gte=start, opened_at__lt=end)
        | Q(completed_at__gte=start, completed_at__lt=end)
        | Q(verified_at__gte=start, verified_at__lt=end)
    )
    return with_list_relations(actions_visible_to(user)).filter(in_period)


def open_action_causes() -> QuerySet:
    """The ids of the root causes that have an open action (planned, in progress, or done and
    not yet verified): a ``values_list`` queryset, usable as ``cause_id__in=`` in a subquery.

    Served by the partial index ``capa_open_cause_idx``.
    """
    return (
        CorrectiveAction.objects.filter(state__in=OPEN_ACTION_STATES)
        .order_by()
        .values_list("cause_id", flat=True)
        .distinct()
    )


def actions_for_complaint(user, complaint) -> QuerySet[CorrectiveAction]:
    """The actions addressing ``complaint`` that ``user`` may see (the complaint page's panel)."""
    return (
        actions_visible_to(user)
        .filter(links__complaint_id=complaint.pk)
        .select_related("owner", "cause", "cause__parent")
        .order_by("-opened_at")
    )


def create_link(cause_code: str, references: list[str]) -> str:
    """The "open a corrective action in one step" address: the create page pre-filled with the
    cause and the complaints (used by the complaint page and the reports)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({"cause": cause_code, "complaints": ",".join(references)}, safe=",")
    return f"{reverse('improvement:action_create')}?{query}"
