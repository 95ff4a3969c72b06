"""``{% survey_status complaint %}``: the satisfaction survey's state on the staff complaint page,
so a handler knows whether to wait for the complainant's answer or to phone them."""

from __future__ import annotations

from django import template

from correspondence import survey

register = template.Library()


@register.inclusion_tag("correspondence/survey_status.html")
def survey_status(complaint) -> dict:
    return {"status": survey.status_for(complaint)}
