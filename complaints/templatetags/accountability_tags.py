"""``{% responsibility_panel complaint %}``: the responsibility finding on the complaint page,
with its contest and the decision. No query for a complaint without a finding (most of them)."""

from __future__ import annotations

from django import template

from complaints.models import ResponsibilityContest

register = template.Library()


@register.inclusion_tag("complaints/_responsibility.html")
def responsibility_panel(complaint) -> dict:
    if complaint.responsible_department_id is None and complaint.responsibility_found_at is None:
        return {"shown": False}
    contest = (
        ResponsibilityContest.objects.select_related("contested_by", "decided_by")
        .filter(complaint_id=complaint.pk)
        .first()
    )
    return {"shown": True, "complaint": complaint, "contest": contest}
