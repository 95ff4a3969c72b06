"""The escalation app's part of the core's "waiting for my approval" queue.

The core (``complaints.queues``) cannot import this app, so ``EscalationConfig.ready``
registers ``approval_condition`` with it. The condition is ``selectors.pending_requests_for``
in SQL: a pause or extension request still waiting, not made by the user and not on a complaint
about the user (``services.may_approve``), for a department manager or the general manager; the
core intersects it with what the user may see. Served by the partial indexes of pending
requests (``pause_pending_idx``, ``ext_pending_idx``), which hold only the few undecided rows.
"""

from __future__ import annotations

from django.db.models import Q

from complaints import rules
from escalation.models import ClockPause, ExtensionRequest


def approval_condition(user) -> Q | None:
    if rules.tier_of(user) not in (rules.MANAGER, rules.GM):
        return None
    pauses = ClockPause.objects.filter(status=ClockPause.Status.REQUESTED).exclude(
        requested_by_id=user.pk
    )
    extensions = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.REQUESTED).exclude(
        requested_by_id=user.pk
    )
    # One IN over a UNION, not two INs joined by OR: PostgreSQL then looks the few waiting
    # complaints up by primary key instead of filtering every visible row by two subplans.
    # Without the models' default ordering: SQLite refuses ORDER BY inside a UNION's parts.
    waiting = Q(
        pk__in=pauses.order_by()
        .values("complaint_id")
        .union(extensions.order_by().values("complaint_id"))
    )
    return waiting & ~Q(subject_person_id=user.pk)
