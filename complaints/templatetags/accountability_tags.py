"""``{% responsibility_panel complaint %}``: the responsibility finding on the complaint page,
with its contest and the decision. No query for a complaint without a finding (most of them);
one (a primary-key look-up with its joins, through the visibility function like every read of
a complaint) for a complaint with one."""

from __future__ import annotations

from django import template

from complaints import selectors
from complaints.models import ResponsibilityContest

register = template.Library()


@register.inclusion_tag("complaints/_responsibility.html", takes_context=True)
def responsibility_panel(context, complaint) -> dict:
    if complaint.responsible_department_id is None and complaint.responsibility_found_at is None:
        return {"shown": False}
    finding = (
        selectors.complaints_visible_to(context["request"].user)
        .select_related(
            "responsible_department",
            "responsible_person",
            "responsibility_contest__contested_by",
            "responsibility_contest__decided_by",
        )
        .only(
            "pk",
            "state",
            "responsible_department__name",
            "responsible_person__username",
            "responsible_person__first_name",
            "responsible_person__last_name",
            "responsibility_finding",
            "responsibility_found_at",
            "responsibility_contest",
        )
        .get(pk=complaint.pk)
    )
    try:
        contest = finding.responsibility_contest
    except ResponsibilityContest.DoesNotExist:
        contest = None
    return {"shown": True, "complaint": finding, "contest": contest}
