"""Rendering a template of the 话术库 with a complaint's safe fields.

Templates are written by staff in the admin, so they run in an engine of their own: Django's
template language with its default tags and filters only (no ``{% load %}``, ``{% include %}``,
``{% extends %}``, ``{% debug %}``), and a context of plain strings, never model instances, so a
template cannot reach beyond the variables listed in ``VARIABLES``. A template that names any
other variable is refused when it is saved (``validate``), not rendered blank when it is sent.

Email bodies render twice: as plain text, and autoescaped as HTML (line breaks kept). SMS and
letters are plain text.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Node, VariableNode
from django.utils import formats, timezone, translation
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint

# The variables a template may use, with what each holds (shown in the admin's help text).
VARIABLES: dict[str, str] = {
    "reference": _("the complaint's reference, e.g. C-2026-000123"),
    "complainant_name": _("the complainant's name as registered (may be empty)"),
    "received_date": _("the date the complaint was received"),
    "accepted_date": _("the date it was accepted (classified)"),
    "resolution_due_date": _("the date by which it will be resolved"),
    "resolved_date": _("the date it was resolved"),
    "department": _("the handling department"),
    "category": _("the category"),
    "handler": _("the handler's display name"),
    "organisation": _("the organisation's name"),
    "track_url": _("the public tracking page of this complaint"),
    "tracking_code": _("the tracking code (acknowledgement only)"),
    "reason": _("the reason given: refusal, extension or decision"),
    "new_due_date": _("the new date of an extension"),
    "decision": _("the decision and resolution summary"),
    "remedy": _("the remedy given"),
    "appeal_deadline": _("the last day to appeal"),
    "appeal_window_days": _("the number of days allowed for an appeal"),
    "survey_url": _("the satisfaction survey page (survey only)"),
    "follow_up_outcome": _("the complainant's answer to the follow-up"),
}


class _SandboxEngine(Engine):
    # Engine adds its default builtins (which include {% include %} and {% extends %}) to the
    # ones given; this one has only the two below.
    default_builtins: list[str] = []


_ENGINE = _SandboxEngine(
    builtins=["django.template.defaulttags", "django.template.defaultfilters"],
    libraries={},
    string_if_invalid="",
    autoescape=False,
)
_FORBIDDEN_TAGS = {"load", "debug", "csrf_token", "templatetag", "widthratio", "now", "lorem"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""


def _walk(nodes) -> list[Node]:
    found = []
    for node in nodes:
        found.append(node)
        for attr in getattr(node, "child_nodelists", ()):
            found.extend(_walk(getattr(node, attr, None) or []))
    return found


def _names(expression) -> set[str]:
    """The root names of the variables a FilterExpression (and its filter arguments) reads."""
    names: set[str] = set()
    if isinstance(expression, FilterExpression):
        var = expression.var
        if getattr(var, "lookups", None):
            names.add(var.lookups[0])
        for _func, args in expression.filters:
            for lookup, arg in args:
                if lookup and getattr(arg, "lookups", None):
                    names.add(arg.lookups[0])
    return names


def validate(*texts: str) -> None:
    """Refuse a template that does not parse, uses a forbidden tag or names an unknown variable.

    Raises ValidationError with a message that names the problem."""
    for text in texts:
        if not text:
            continue
        try:
            template = _ENGINE.from_string(text)
        except TemplateSyntaxError as exc:
            raise ValidationError(
                _("The template has an error: %(error)s") % {"error": exc}
            ) from exc
        nodes = _walk(template.nodelist)
        # Names a template binds itself ({% for x in ... %}, {% with x=... %}) are known inside.
        local = {"forloop"}
        for node in nodes:
            local.update(getattr(node, "loopvars", ()))
            local.update(getattr(node, "extra_context", None) or {})
            for value in (getattr(node, "extra_context", None) or {}).values():
                expressions_with = _names(value) - set(VARIABLES) - local
                if expressions_with:
                    raise ValidationError(
                        _("Unknown variable %(name)s. Use one of: %(known)s.")
                        % {"name": sorted(expressions_with)[0], "known": ", ".join(VARIABLES)}
                    )
        for node in nodes:
            token = getattr(node, "token", None)
            tag = (
                token.split_contents()[0]
                if token is not None and token.token_type.value == 2
                else ""
            )
            if tag in _FORBIDDEN_TAGS:
                raise ValidationError(
                    _("The tag %(tag)s cannot be used in a message template.") % {"tag": tag}
                )
            expressions = []
            if isinstance(node, VariableNode):
                expressions.append(node.filter_expression)
            for attr in ("var", "sequence", "condition", "target"):
                value = getattr(node, attr, None)
                if isinstance(value, FilterExpression):
                    expressions.append(value)
            for condition, _nodelist in getattr(node, "conditions_nodelists", ()):
                expressions.extend(_condition_expressions(condition))
            for expression in expressions:
                unknown = _names(expression) - set(VARIABLES) - local
                if unknown:
                    raise ValidationError(
                        _("Unknown variable %(name)s. Use one of: %(known)s.")
                        % {"name": sorted(unknown)[0], "known": ", ".join(VARIABLES)}
                    )


def _condition_expressions(condition) -> list[FilterExpression]:
    """The FilterExpressions inside an ``{% if %}`` condition tree."""
    if condition is None:
        return []
    found = []
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        found.append(value)
    for side in ("first", "second"):
        child = getattr(condition, side, None)
        if child is not None:
            found.extend(_condition_expressions(child))
    return found


def _date(value) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value).date(), "DATE_FORMAT")


def context_for(complaint: Complaint, *, language: str, extra: dict | None = None) -> dict:
    """The template variables for ``complaint`` in ``language``: plain strings only.

    ``extra`` adds the event's own values (reason, new_due_date, survey_url, tracking_code...);
    keys outside ``VARIABLES`` are dropped."""
    base = settings.REDRESS_PUBLIC_BASE_URL
    with translation.override(language):
        handler = complaint.assignee
        values = {
            "reference": complaint.reference,
            "complainant_name": complaint.complainant_name,
            "received_date": _date(complaint.received_at),
            "accepted_date": _date(complaint.classified_at),
            "resolution_due_date": _date(complaint.resolution_due_at),
            "resolved_date": _date(complaint.resolved_at),
            "department": str(complaint.department) if complaint.department_id else "",
            "category": str(complaint.category) if complaint.category_id else "",
            "handler": (handler.get_full_name() or handler.get_username()) if handler else "",
            "organisation": str(getattr(settings, "REDRESS_ORGANISATION_NAME", "")),
            "track_url": f"{base}/track/?reference={complaint.reference}",
            "tracking_code": "",
            "reason": complaint.decision_note,
            "new_due_date": "",
            "decision": complaint.resolution_summary or complaint.decision_note,
            "remedy": complaint.remedy,
            "appeal_deadline": "",
            "appeal_window_days": str(settings.REDRESS_APPEAL_WINDOW_DAYS),
            "survey_url": "",
            "follow_up_outcome": complaint.get_follow_up_outcome_display()
            if complaint.follow_up_outcome
            else "",
        }
    for key, value in (extra or {}).items():
        if key in VARIABLES:
            values[key] = "" if value is None else str(value)
    return values


def render(
    *, subject: str, body: str, context: dict, language: str, html: bool = False
) -> Rendered:
    """Render a template's subject and body with ``context`` (from ``context_for``).

    ``html=True`` also renders an autoescaped HTML body (the email's alternative part)."""
    with translation.override(language):
        ctx = Context(context, autoescape=False)
        rendered_subject = " ".join(_ENGINE.from_string(subject).render(ctx).split())
        text = _ENGINE.from_string(body).render(ctx).strip()
        rendered_html = ""
        if html:
            escaped = Context(context, autoescape=True)
            rendered_html = linebreaks(
                _ENGINE.from_string(body).render(escaped).strip(), autoescape=False
            )
    return Rendered(subject=rendered_subject, text=text, html=rendered_html)
