"""Template filters of the quarterly and annual reports."""

from __future__ import annotations

from django import template

from reporting.figures import percent
from reporting.templatetags.reporting_tags import figure

register = template.Library()


@register.filter
def rate_of(rate) -> str:
    """A ``{"num": n, "den": d}`` rate as the report shows it (half up, one decimal)."""
    return figure(percent(rate), "rate")
