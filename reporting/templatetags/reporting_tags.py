"""Formatting of report figures in templates."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import number_format
from django.utils.safestring import mark_safe

from reporting.figures import one_decimal

register = template.Library()

DASH = "—"


@register.filter
def figure(value, kind: str) -> str:
    """A figure as the report shows it: counts as integers, hours with one decimal, rates as
    percentages, money with two decimals; nothing to show is a dash.

    Rates and hours are rounded half up here as well (``number_format`` alone truncates:
    94.96 would read 94.9); the selectors already hand over one-decimal values."""
    if value is None or value == "":
        return DASH
    if kind == "rate":
        return f"{number_format(one_decimal(value), 1)}%"
    if kind == "hours":
        return number_format(one_decimal(value), 1)
    if kind == "money":
        return intcomma(number_format(Decimal(value), 2, use_l10n=False))
    return intcomma(value)


@register.filter
def signed(value) -> str:
    if value is None:
        return DASH
    return f"+{value}" if value > 0 else str(value)


@register.filter
def target_text(target) -> str:
    if not target:
        return ""
    goal, direction = target
    return f"≥ {goal}" if direction == "min" else f"≤ {goal}"


@register.simple_tag
def svg(markup: str) -> str:
    """Charts are rendered by pygal on the server from our own figures: trusted markup."""
    return mark_safe(markup)  # noqa: S308 - generated SVG, no user-supplied markup


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def action_name(action: str) -> str:
    from reporting.history import action_label

    return str(action_label(action))


@register.filter
def record_name(model: str) -> str:
    from reporting.history import RECORD_LABELS

    return str(RECORD_LABELS.get(model, model))


@register.filter
def field_list(changed: str, record: str = "complaint") -> str:
    """``,state,assignee_id,`` → ``State, Handler`` in the page's language (so long lists
    wrap and an auditor reads labels, not column names)."""
    from reporting.history import field_labels

    return ", ".join(field_labels(record, changed))
