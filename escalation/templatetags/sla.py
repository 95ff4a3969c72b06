"""``{% load sla %}``: deadline markers for any page that lists complaints or deadlines."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()

STATUS_CLASSES = {
    "met": "text-bg-success",
    "late": "text-bg-warning",
    "running": "text-bg-light border",
    "missed": "text-bg-danger",
    "paused": "text-bg-secondary",
    "lapsed": "text-bg-light border",
    "waiting": "text-bg-light border",
}


@register.simple_tag
def time_left(due: dt.datetime | None, now: dt.datetime | None = None) -> str:
    """ "in 3 hours" / "2 hours overdue" for a deadline; empty for none."""
    if due is None:
        return ""
    now = now or timezone.now()
    if due <= now:
        return format_html(
            '<span class="text-danger fw-semibold overdue">{}</span>',
            _("%(time)s overdue") % {"time": timesince(due, now, depth=1)},
        )
    return format_html(
        '<span class="due-in">{}</span>', _("in %(time)s") % {"time": timeuntil(due, now, depth=1)}
    )


@register.simple_tag
def deadline_status(status: str) -> str:
    labels = {
        "met": _("met"),
        "late": _("met late"),
        "running": _("running"),
        "missed": _("missed"),
        "paused": _("clock stopped"),
        "lapsed": _("no longer applies"),
        "waiting": _("not started yet"),
    }
    return format_html(
        '<span class="badge {} deadline-{}">{}</span>',
        STATUS_CLASSES.get(status, "text-bg-light"),
        status,
        labels.get(status, status),
    )
