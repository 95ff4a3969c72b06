"""Rendering a template of the 话术库 with a complaint's safe fields.

Templates are written by staff in the admin, so they run in an engine of their own: Django's
template language limited to a few flow tags (``ALLOWED_TAGS``: no ``{% load %}``,
``{% include %}``, ``{% extends %}``, ``{% url %}``, ``{% debug %}``...) and the default filters
that write no markup, over a context of plain strings, never model instances. A template names
only the variables listed in ``VARIABLES`` and no attribute of them, so it cannot reach beyond
them. Anything else is refused when the template is saved (``validate``), not rendered blank
or wrong when it is sent.

Email bodies render twice: as plain text, and as HTML, the same text escaped with its line
breaks kept. SMS and letters are plain text.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, Node, NodeList, TokenType
from django.template.smartif import TokenBase
from django.utils import formats, timezone, translation
from django.utils.html import linebreaks
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.people import display_name
from correspondence.refusals import refusal_explanation

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
    "reason_explanation": _(
        "what the refusal's ground means for the complainant (the standard text of each reason)"
    ),
    "new_due_date": _("the new date of an extension"),
    "decision": _("the decision and resolution summary"),
    "remedy": _("the remedy given"),
    "appeal_deadline": _("the last day to appeal"),
    "appeal_window_days": _("the number of days allowed for an appeal"),
    "survey_url": _("the satisfaction survey page (survey only)"),
    "survey_days": _("the number of days the survey link stays open"),
    "follow_up_outcome": _("the complainant's answer to the follow-up"),
    "today": _("the date the message is written (the date a letter ends with)"),
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
# The tags a message template may use: flow and text shaping only. Everything else is refused
# by name before parsing ({% load %}, {% include %}, {% extends %}, {% url %}, {% now %},
# {% csrf_token %}, {% debug %}...), and {% autoescape %} because it would switch off the
# escaping of the email's HTML part.
ALLOWED_TAGS = frozenset(
    {
        "if",
        "elif",
        "else",
        "endif",
        "for",
        "empty",
        "endfor",
        "with",
        "endwith",
        "firstof",
        "comment",
        "endcomment",
        "spaceless",
        "endspaceless",
    }
)
# Filters that mark text safe or write HTML: in a plain-text part they would leave markup, and
# in the HTML part they would let a variable's value through unescaped.
FORBIDDEN_FILTERS = frozenset(
    {
        "safe",
        "safeseq",
        "escape",
        "force_escape",
        "escapejs",
        "escapeseq",
        "json_script",
        "urlize",
        "urlizetrunc",
        "linebreaks",
        "linebreaksbr",
        "unordered_list",
    }
)


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


def _expressions(value, depth: int = 0) -> list[FilterExpression]:
    """Every FilterExpression a node holds, whatever the tag keeps it in: ``{{ x }}``, the
    condition tree of ``{% if %}``, the sequence of ``{% for %}``, the values of ``{% with %}``,
    the list of ``{% firstof %}``. Looking at all of them, rather than at the attributes of the
    tags known today, leaves no tag whose variables escape the check."""
    if depth > 20 or isinstance(value, (str, bytes, int, float, NodeList, Node)):
        return []
    if isinstance(value, FilterExpression):
        return [value]
    if isinstance(value, (list, tuple, set)):
        return [e for item in value for e in _expressions(item, depth + 1)]
    if isinstance(value, dict):
        return [e for item in value.values() for e in _expressions(item, depth + 1)]
    if isinstance(value, TokenBase):  # an {% if %} condition: operators and literals
        return [
            e
            for attr in ("first", "second", "value")
            for e in _expressions(getattr(value, attr, None), depth + 1)
        ]
    return []


def _node_expressions(node: Node) -> list[FilterExpression]:
    found = []
    for name, value in vars(node).items():
        if name in ("token", "origin", "nodelist") or name.startswith("nodelist"):
            continue
        found.extend(_expressions(value))
    return found


def _unknown_variable(name: str) -> ValidationError:
    return ValidationError(
        _("Unknown variable %(name)s. Use one of: %(known)s.")
        % {"name": name, "known": ", ".join(VARIABLES)},
        code="unknown_variable",
    )


def _check_expression(expression: FilterExpression, local: set[str]) -> None:
    variables = [expression.var]
    for func, args in expression.filters:
        name = getattr(func, "_filter_name", None) or func.__name__
        if name in FORBIDDEN_FILTERS:
            raise ValidationError(
                _("The filter “%(name)s” cannot be used in a message template.") % {"name": name},
                code="forbidden_filter",
            )
        variables.extend(arg for lookup, arg in args if lookup)
    for var in variables:
        lookups = getattr(var, "lookups", None)
        if not lookups:
            continue  # a literal: "text", 3
        root = lookups[0]
        if root not in VARIABLES and root not in local:
            raise _unknown_variable(root)
        # The values are plain strings: an attribute or index of one is never what a template
        # means, and refusing it keeps a template from walking to anything else.
        if len(lookups) > 1 and root != "forloop":
            raise ValidationError(
                _(
                    "“%(expression)s”: a variable has no attributes. Write {{ %(name)s }} "
                    "on its own."
                )
                % {"expression": ".".join(lookups), "name": root},
                code="attribute",
            )


def validate(*texts: str) -> None:
    """Refuse a template that does not parse, uses a tag or filter outside the sandbox, or
    names an unknown variable.

    Raises ValidationError with a message that names the problem."""
    for text in texts:
        if not text:
            continue
        # Tags are checked on the tokens first: a tag the engine does not know would otherwise
        # come back as "did you forget to load it?", which invites exactly the wrong fix.
        for token in Lexer(text).tokenize():
            if token.token_type != TokenType.BLOCK:
                continue
            tag = (token.contents.split() or [""])[0]
            if tag not in ALLOWED_TAGS:
                raise ValidationError(
                    _(
                        "The tag {%% %(tag)s %%} cannot be used in a message template. "
                        "Allowed tags: %(allowed)s."
                    )
                    % {"tag": tag, "allowed": ", ".join(sorted(ALLOWED_TAGS))},
                    code="forbidden_tag",
                )
        try:
            template = _ENGINE.from_string(text)
        except TemplateSyntaxError as exc:
            raise ValidationError(
                _("The template has an error: %(error)s") % {"error": exc}, code="syntax"
            ) from exc
        nodes = _walk(template.nodelist)
        # Names a template binds itself ({% for x in ... %}, {% with x=... %}) are known inside.
        local = {"forloop"}
        for node in nodes:
            local.update(getattr(node, "loopvars", ()))
            local.update((getattr(node, "extra_context", None) or {}).keys())
        for node in nodes:
            for expression in _node_expressions(node):
                _check_expression(expression, local)


def _date(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return formats.date_format(value, "DATE_FORMAT")


def _plain(value) -> str:
    """An ``extra`` value as the text a template shows: dates in the language's format."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return _date(value)
    return str(value)


def _reason(complaint: Complaint) -> str:
    # A refusal's reason is its coded ground (不予受理的理由) and the explanation written for
    # the complainant; elsewhere the explanation alone.
    if complaint.reject_reason:
        ground = str(complaint.get_reject_reason_display())
        separator = "：" if translation.get_language().startswith("zh") else ": "
        return separator.join(part for part in (ground, complaint.decision_note) if part)
    return complaint.decision_note


def appeal_window_days(complaint: Complaint) -> int:
    """Days allowed to appeal: against a refusal (不予受理复查) ``REDRESS_REFUSAL_APPEAL_DAYS``,
    against an outcome ``REDRESS_APPEAL_WINDOW_DAYS`` (the windows the appeal forms apply)."""
    if complaint.closed_at is None and complaint.rejected_at is not None:
        return settings.REDRESS_REFUSAL_APPEAL_DAYS
    return settings.REDRESS_APPEAL_WINDOW_DAYS


def _appeal_deadline(complaint: Complaint) -> str:
    # The window runs from the end of the case: its closure, or the refusal of a complaint that
    # was never accepted (the same windows the appeal forms apply).
    end = complaint.closed_at or complaint.rejected_at
    if end is None:
        return ""
    return _date(end + dt.timedelta(days=appeal_window_days(complaint)))


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
            "handler": display_name(handler),
            "organisation": settings.REDRESS_ORGANISATION_NAME,
            "track_url": f"{base}/track/?reference={complaint.reference}",
            "tracking_code": "",
            "reason": _reason(complaint),
            "new_due_date": "",
            "decision": complaint.resolution_summary or complaint.decision_note,
            "remedy": complaint.remedy,
            "appeal_deadline": _appeal_deadline(complaint),
            "appeal_window_days": str(appeal_window_days(complaint)),
            "reason_explanation": refusal_explanation(complaint.reject_reason),
            "survey_url": "",
            "survey_days": str(settings.REDRESS_SURVEY_DAYS),
            "follow_up_outcome": complaint.get_follow_up_outcome_display()
            if complaint.follow_up_outcome
            else "",
            "today": _date(timezone.now()),
        }
        for key, value in (extra or {}).items():
            if key in VARIABLES:
                values[key] = _plain(value)
    return values


def render(
    *, subject: str, body: str, context: dict, language: str, html: bool = False
) -> Rendered:
    """Render a template's subject and body with ``context`` (from ``context_for``).

    ``html=True`` also renders the HTML body (the email's alternative part): the plain text,
    escaped as a whole and with its line breaks kept. A template is plain text (the filters
    that write markup are refused at save), so escaping the rendered text escapes every
    variable exactly once, and a "<" or "&" the template itself contains shows as written."""
    with translation.override(language):
        ctx = Context(context, autoescape=False)
        rendered_subject = " ".join(_ENGINE.from_string(subject).render(ctx).split())
        text = _ENGINE.from_string(body).render(ctx).strip()
        rendered_html = linebreaks(text, autoescape=True) if html else ""
    return Rendered(subject=rendered_subject, text=text, html=rendered_html)


def sample_context(language: str) -> dict:
    """Made-up values for every variable, for previews of a template that is not being sent:
    the admin's sample shows no real complainant's data, and the defaults are checked with it."""
    base = settings.REDRESS_PUBLIC_BASE_URL
    chinese = language.startswith("zh")
    with translation.override(language):
        dates = {
            name: formats.date_format(day, "DATE_FORMAT")
            for name, day in {
                "received_date": dt.date(2026, 3, 2),
                "accepted_date": dt.date(2026, 3, 3),
                "resolution_due_date": dt.date(2026, 4, 14),
                "resolved_date": dt.date(2026, 3, 20),
                "new_due_date": dt.date(2026, 5, 12),
                "appeal_deadline": dt.date(2026, 4, 19),
                "today": dt.date(2026, 3, 20),
            }.items()
        }
    with translation.override(language):
        explanation = refusal_explanation("outside_remit")
    text = {
        "complainant_name": "张三" if chinese else "Jane Doe",
        "department": "客户服务部" if chinese else "Customer service",
        "category": "服务态度" if chinese else "Service attitude",
        "handler": "李四" if chinese else "John Smith",
        "reason": "需要调取相关通话录音并向合作单位核实情况。"
        if chinese
        else "We need the call recordings and a statement from our partner.",
        "decision": "经核实，工作人员未按规定流程办理，我们已向您致歉并对其进行了培训。"
        if chinese
        else "Our staff did not follow the procedure; we apologise and have retrained them.",
        "remedy": "退还多收费用50元" if chinese else "A refund of the 50 yuan charged twice",
        "follow_up_outcome": "满意" if chinese else "Satisfied",
    }
    return {
        "reference": "C-2026-000123",
        "organisation": settings.REDRESS_ORGANISATION_NAME,
        "track_url": f"{base}/track/?reference=C-2026-000123",
        "tracking_code": "K7P2-9QXM",
        "appeal_window_days": str(settings.REDRESS_APPEAL_WINDOW_DAYS),
        # As long as a real signed link (``survey.link_for``), so a sample shows the true length.
        "survey_url": f"{base}/survey/{'x' * 77}/",
        "survey_days": str(settings.REDRESS_SURVEY_DAYS),
        "reason_explanation": explanation,
        **dates,
        **text,
    }
