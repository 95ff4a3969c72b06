"""The escalation app's part of the core's "waiting for my approval" queue.

The core (``complaints.queues``) cannot import this app, so ``EscalationConfig.ready``
registers ``approval_condition`` with it. The condition is ``selectors.pending_requests_for``
in SQL: a pause or extension request still waiting, or a remedy approval waiting for the
user's tier (``services.remedy_approver_tier``: the department manager within the manager's
limit, the general manager beyond it), not made by the user and not on a complaint about the
user (``services.may_approve``); the core intersects it with what the user may see, which
keeps a manager to their own department. Served by the partial indexes of pending requests
(``pause_pending_idx``, ``ext_pending_idx``, ``remedy_pending_for_tier_idx``), which hold only
the few undecided rows.
"""

from __future__ import annotations

from django.db.models import Q

from complaints import rules
from escalation.models import ClockPause, ExtensionRequest, RemedyApproval


def approval_condition(user) -> Q | None:
    if rules.tier_of(user) not in (rules.MANAGER, rules.GM):
        return None
    pauses = ClockPause.objects.filter(status=ClockPause.Status.REQUESTED).exclude(
        requested_by_id=user.pk
    )
    extensions = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.REQUESTED).exclude(
        requested_by_id=user.pk
    )
    remedies = RemedyApproval.objects.filter(
        status=RemedyApproval.Status.PENDING, approver_tier=rules.tier_of(user)
    ).exclude(requested_by_id=user.pk)
    # One IN over a UNION, not three INs joined by OR: PostgreSQL then looks the few waiting
    # complaints up by primary key instead of filtering every visible row by three subplans.
    # Without the models' default ordering: SQLite refuses ORDER BY inside a UNION's parts.
    waiting = Q(
        pk__in=pauses.order_by()
        .values("complaint_id")
        .union(
            extensions.order_by().values("complaint_id"),
            remedies.order_by().values("complaint_id"),
        )
    )
    return waiting & ~Q(subject_person_id=user.pk)
