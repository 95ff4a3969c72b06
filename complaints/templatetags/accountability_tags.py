"""``{% responsibility_panel complaint %}``: the responsibility finding on the complaint page,
with its contest and the decision. No query for a complaint without a finding (most of them);
one (a primary-key look-up with its joins) for a complaint with one."""

from __future__ import annotations

from django import template

from complaints.models import Complaint, ResponsibilityContest

register = template.Library()


@register.inclusion_tag("complaints/_responsibility.html")
def responsibility_panel(complaint) -> dict:
    if complaint.responsible_department_id is None and complaint.responsibility_found_at is None:
        return {"shown": False}
    finding = (
        Complaint.objects.select_related(
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
