"""Template helpers of the staff workspace: navigation by tier, due markers, masked contact
details, sortable column headers. None of them issues a query of its own (they read what the
view already loaded), so a list's query count does not grow with its length."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from complaints import actions, panels, queues, rules, saved_views, selectors
from complaints.filters import SORTS
from complaints.models import HANDLING_STATES, Complaint, RootCause, State, Tier
from complaints.people import display_name

register = template.Library()

DUE_SOON = timedelta(hours=4)
# The section of the site each navigation item lights up for.
ACTIVE_PREFIXES = {"reports": "/reports/", "audit": "/audit/", "admin": "/admin/"}


@register.simple_tag(takes_context=True)
def workspace_nav(context) -> dict[str, Any]:
    """The navigation a user's tier may use: ``{% workspace_nav as nav %}``.

    Besides the items, ``user_menu`` (links used now and then, under the user's name),
    ``queues`` (each of the user's queues with its capped, cached count and the list address
    filtered to it), ``badges`` (the queues shown beside the menu when they hold anything),
    ``deadlines`` (due-soon and approval pages) and the user's saved views.
    On a warm cache this costs the saved views' one query and no count.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    tier = rules.tier_of(user)
    if tier is None:
        return {"tier": None, "tier_label": "", "items": [], "queues": [], "badges": []}
    path = request.path
    items, user_menu = _bar_items(user, tier), _user_menu(user, tier)

    def links(entries) -> list[dict[str, Any]]:
        return [
            {"key": key, "url": url, "label": label, "active": _active(path, key, url)}
            for key, url, label in entries
        ]

    queue_items = queue_links(user)
    views = saved_views.views_for(user, request)
    return {
        "tier": tier,
        "tier_label": Tier(tier).label,
        "items": links(items),
        "user_menu": links(user_menu),
        "user_menu_active": any(_active(path, key, url) for key, url, _label in user_menu),
        "queues": queue_items,
        "badges": [q for q in queue_items if q["badge"] and q["count"]],
        "queue_total_label": queues.count_label(sum(q["count"] for q in queue_items if q["badge"])),
        "my_views": [v for v in views if v.owner_id == user.pk],
        "department_views": [v for v in views if v.owner_id != user.pk],
        "deadlines": deadline_links(tier),
        "list_active": path == reverse("complaints:list") and "queue" in request.GET,
    }


def _bar_items(user, tier: str) -> list[tuple[str, str, str]]:
    """The links of the bar itself: (key, address, label)."""
    today = timezone.localdate()
    items = [
        ("dashboard", reverse("complaints:dashboard"), _("Dashboard")),
        ("list", reverse("complaints:list"), _("Complaints")),
    ]
    if selectors.may_write(user):
        # Short in the bar ("Register a complaint" on the pages themselves): see user_menu.
        items.append(("register", "/complaints/new/", pgettext("navigation", "New complaint")))
    items.append(("reports", f"/reports/monthly/{today:%Y}/{today:%m}/", _("Reports")))
    if tier == Tier.AUDITOR:
        items.append(("audit", "/audit/", _("Audit log")))
    return items


def _user_menu(user, tier: str) -> list[tuple[str, str, str]]:
    """The links under the user's name. The general manager's oversight tools, used now and
    then, sit here: the bar then keeps one line per link from 1200 px up, in English and
    Chinese, with every queue badge at "99+" (tests/e2e/test_header_fit.py). The auditor's
    audit log is their daily page and stays in the bar."""
    menu = []
    if tier == Tier.GM:
        menu.append(("audit", "/audit/", _("Audit log")))
    if tier == Tier.GM and user.is_staff:
        menu.append(("admin", reverse("admin:index"), _("Administration")))
    # Other apps' pages (improvement: corrective actions), registered in their AppConfig.ready.
    return panels.nav_links(user, tier) + menu


def _active(path: str, key: str, url: str) -> bool:
    """Whether the page at ``path`` is in the section of the navigation item ``key``."""
    if key == "dashboard":
        return path == url
    if key == "list":
        return path.startswith(url) and not path.startswith("/complaints/new/")
    return path.startswith(ACTIVE_PREFIXES.get(key, url))


def queue_links(user) -> list[dict[str, Any]]:
    """Each queue of ``user`` with its count (capped, cached: ``queues.queue_counts``) and the
    list filtered to it."""
    counts = queues.queue_counts(user)
    base = reverse("complaints:list")
    return [
        {
            "key": queue.key,
            "label": queue.label,
            "url": f"{base}?queue={queue.key}",
            "count": counts.get(queue.key, 0),
            "count_label": queues.count_label(counts.get(queue.key, 0)),
            "badge": queue.badge,
        }
        for queue in queues.queues_for(user)
    ]


def deadline_links(tier: str) -> list[dict[str, Any]]:
    """The escalation app's deadline pages, for the tiers that work on deadlines."""
    if tier not in (Tier.FRONTLINE, Tier.MANAGER, Tier.GM):
        return []
    links = [{"key": "due_soon", "url": "/escalation/due-soon/", "label": _("Due soon")}]
    if tier in (Tier.MANAGER, Tier.GM):
        links.append(
            {"key": "requests", "url": "/escalation/requests/", "label": _("Requests to decide")}
        )
    # Accountability (责任认定): the findings naming me, the contests I decide, the table. In
    # this menu rather than the bar, which must keep one line (tests/e2e/test_header_fit.py).
    links.append(
        {"key": "findings", "url": "/accountability/mine/", "label": _("Findings about me")}
    )
    if tier in (Tier.MANAGER, Tier.GM):
        links.append(
            {
                "key": "contests",
                "url": "/accountability/contests/",
                "label": _("Contests to decide"),
            }
        )
    links.append(
        {
            "key": "accountability",
            "url": "/reports/accountability/",
            "label": _("Accountability table"),
        }
    )
    return links


@register.simple_tag
def due_marker(complaint) -> str:
    """ "overdue" or "due in 3 hours" for a complaint being handled (nothing otherwise), marked
    "provisional" when the date falls in a calendar year not yet confirmed."""
    marker = _due_marker(complaint)
    if marker and complaint.deadlines_provisional:
        return format_html("{} {}", marker, provisional_marker())
    return marker


@register.simple_tag
def provisional_marker() -> str:
    return format_html(
        '<span class="badge text-bg-warning deadline-provisional" title="{}">{}</span>',
        _("The holidays of this year are not yet confirmed: the date may move."),
        _("provisional"),
    )


def _due_marker(complaint) -> str:
    """ "overdue" (``Complaint.overdue_since``) or "due in 3 hours" (``next_due_at``, filled by
    the escalation app) for a complaint being handled; nothing otherwise."""
    if complaint.state == State.RESOLVED and complaint.follow_up_due_at is not None:
        # The follow-up (回访) is a deadline too: flagged as the others when it passes.
        return _follow_up_marker(complaint.follow_up_due_at)
    if complaint.state not in HANDLING_STATES:
        return ""
    due = complaint.overdue_since or complaint.next_due_at
    if due is None:
        return ""
    if complaint.clock_paused_at is not None:
        return format_html(
            '<span class="badge text-bg-secondary due-marker paused">{}</span>', _("clock paused")
        )
    now = timezone.now()
    title = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if due <= now:
        return format_html(
            '<span class="badge text-bg-danger due-marker overdue" title="{}">{}</span>'
            ' <small class="overdue">{}</small>',
            title,
            _("overdue"),
            _("%(time)s ago") % {"time": timesince(due, now, depth=1)},
        )
    css = "due-soon" if due - now <= DUE_SOON else "text-body-secondary"
    return format_html(
        '<span class="due-marker {}" title="{}">{}</span>',
        css,
        title,
        _("due in %(time)s") % {"time": timeuntil(due, now, depth=1)},
    )


def _follow_up_marker(due) -> str:
    now = timezone.now()
    title = timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
    if due <= now:
        return format_html(
            '<span class="badge text-bg-danger due-marker overdue follow-up-overdue" title="{}">'
            '{}</span> <small class="overdue">{}</small>',
            title,
            _("follow-up overdue"),
            _("%(time)s ago") % {"time": timesince(due, now, depth=1)},
        )
    css = "due-soon" if due - now <= DUE_SOON else "text-body-secondary"
    return format_html(
        '<span class="due-marker follow-up-due {}" title="{}">{}</span>',
        css,
        title,
        _("follow-up due in %(time)s") % {"time": timeuntil(due, now, depth=1)},
    )


@register.simple_tag(takes_context=True)
def complainant(context, complaint, field: str) -> str:
    """A complainant detail, masked when this user may not see who complained."""
    value = getattr(complaint, field) or ""
    if not value:
        return "—"
    user = context["request"].user
    if selectors.may_see_complainant(user, complaint):
        return value
    return selectors.mask(value)


STATE_STYLES = {
    "received": "text-bg-info",
    "classified": "text-bg-primary",
    "assigned": "text-bg-warning",
    "resolved": "text-bg-success",
    "followed_up": "text-bg-success",
    "closed": "text-bg-dark",
    "rejected": "text-bg-secondary",
    "withdrawn": "text-bg-secondary",
}
PRIORITY_STYLES = {
    "major": "text-bg-danger",
    "urgent": "text-bg-warning",
    "normal": "text-bg-light",
}


@register.simple_tag
def state_badge(complaint) -> str:
    return format_html(
        '<span class="badge {} state-{}">{}</span>',
        STATE_STYLES.get(complaint.state, "text-bg-light"),
        complaint.state,
        complaint.get_state_display(),
    )


@register.simple_tag
def priority_badge(complaint) -> str:
    return format_html(
        '<span class="badge {} border">{}</span>',
        PRIORITY_STYLES.get(complaint.priority, "text-bg-light"),
        complaint.get_priority_display(),
    )


@register.simple_tag(takes_context=True)
def sort_header(context, key: str) -> str:
    """A column header that sorts by ``key``, toggling direction, keeping the filters."""
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    for name in ("after", "before"):
        params.pop(name, None)
    descending_now = current == f"-{key}"
    ascending_now = current == key
    params["sort"] = key if descending_now else f"-{key}"
    if key in ("reference", "due") and not (ascending_now or descending_now):
        params["sort"] = key  # references and deadlines read best ascending first
    arrow = ""
    if ascending_now:
        arrow = " ▲"
    elif descending_now:
        arrow = " ▼"
    return format_html(
        '<a class="sort-link link-body-emphasis" href="?{}">{}{}</a>',
        params.urlencode(),
        SORTS[key].label,
        arrow,
    )


@register.simple_tag(takes_context=True)
def page_link(context, **changes) -> str:
    """The current list address with some query parameters replaced (None removes one)."""
    params = context["request"].GET.copy()
    for name in ("after", "before"):
        params.pop(name, None)
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
        else:
            params[name] = value
    return "?" + params.urlencode()


@register.filter
def yes_no(value) -> str:
    if value is None:
        return "—"
    return _("Yes") if value else _("No")


@register.simple_tag
def field_label(name: str) -> str:
    """A complaint field's translated name, as the models declare it."""
    return capfirst(Complaint._meta.get_field(name).verbose_name)


@register.filter
def action_title(action: str) -> str:
    """The name of a history row's action for people ("Classified", "Escalated"...)."""
    return actions.title(action)


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.simple_tag
def field_value(complaint, name: str) -> str:
    """A complaint field for reading: choices by their label, times in local time, links to
    related complaints, "—" for empty."""
    model_field = Complaint._meta.get_field(name)
    value = getattr(complaint, name)
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return getattr(complaint, f"get_{name}_display")()
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, Complaint):
        return format_html('<a href="{}">{}</a>', value.get_absolute_url(), value.reference)
    if isinstance(value, RootCause):
        # "The complaints behind this cause": the list filtered by it.
        link = f"{reverse('complaints:list')}?cause={value.code}"
        return format_html('<a href="{}">{}</a>', link, value)
    return str(value)


@register.simple_tag(takes_context=True)
def saved_view_panel(context) -> dict[str, Any]:
    """What the list page's "Save this view" panel needs: the current filters, the view being
    shown (``?view=<id>``) and what the user may do with it. One query for the user's views,
    the same the navigation makes (``saved_views.views_for``)."""
    request = context["request"]
    user = request.user
    params = request.GET.copy()
    for name in saved_views.PAGE_ONLY:
        params.pop(name, None)
    current = None
    try:
        view_id = int(request.GET.get("view", ""))
    except ValueError:
        view_id = None
    if view_id is not None:
        current = saved_views.get_view_for(user, view_id, request)
    return {
        "query": params.urlencode(),
        "sort": request.GET.get("sort", ""),
        "columns": saved_views.columns_from(request.GET),
        "all_columns": list(saved_views.COLUMNS.items()),
        "may_share": saved_views.may_share(user),
        "current": current,
        "may_change": current is not None and saved_views.may_change(current, user),
        "queue": queues.QUEUES.get(request.GET.get("queue", "")),
    }


# The complaint's clocks: (label, due field, the milestone that stops it, states it runs in).
CLOCKS = (
    (gettext_lazy("Acceptance"), "acceptance_due_at", "classified_at", (State.RECEIVED,)),
    (gettext_lazy("First response"), "first_response_due_at", "first_response_at", HANDLING_STATES),
    (gettext_lazy("Resolution"), "resolution_due_at", "resolved_at", HANDLING_STATES),
    (gettext_lazy("Follow-up"), "follow_up_due_at", "followed_up_at", (State.RESOLVED,)),
)


def _clock_state(due, now, paused: bool) -> tuple[str, str]:
    if paused:
        return "paused", _("clock paused")
    if due <= now:
        return "overdue", _("overdue by %(time)s") % {"time": timesince(due, now, depth=2)}
    return "running", _("%(time)s left") % {"time": timeuntil(due, now, depth=2)}


@register.simple_tag
def complaint_clocks(complaint) -> list[dict[str, Any]]:
    """Each deadline of ``complaint`` that has a date: met (stopped in time), late (stopped
    after it), running (time left), overdue, paused (the SLA clock is stopped), then the
    escalation app's next deadline when it is none of those (a tier's time budget, say). Read
    from the complaint's own columns: no query."""
    now = timezone.now()
    paused = complaint.clock_paused_at is not None and complaint.state in HANDLING_STATES
    rows = []

    def add(key: str, label, due, status: str, text: str) -> None:
        rows.append(
            {
                "key": key,
                "label": label,
                "due": timezone.localtime(due),
                "status": status,
                "text": text,
            }
        )

    for label, due_field, done_field, running_states in CLOCKS:
        due = getattr(complaint, due_field)
        done = getattr(complaint, done_field)
        key = due_field.removesuffix("_due_at")
        if due is None:
            continue
        if done is not None:
            add(key, label, due, *(("met", _("met")) if done <= due else ("late", _("met late"))))
        elif complaint.state in running_states:  # else it no longer applies (closed...)
            add(key, label, due, *_clock_state(due, now, paused))
    next_due = complaint.next_due_at
    if (
        next_due is not None
        and complaint.state in HANDLING_STATES
        and all(row["due"] != next_due for row in rows)
    ):
        label = capfirst(Complaint._meta.get_field("next_due_at").verbose_name)
        add("next", label, next_due, *_clock_state(next_due, now, paused))
    return rows


# --- the complaint page's detail cards (#15: no empty rows, no internal counters) ----------------

# The element ids tests, the keyboard shortcuts and the role walk find rows by.
ROW_IDS = {
    "category": "complaint-category",
    "department": "complaint-department",
    "assignee": "complaint-assignee",
    "complainant_name": "complainant-name",
    "complainant_phone": "complainant-phone",
    "complainant_address": "complainant-address",
    "preferred_channel": "preferred-channel",
}
COMPLAINANT_DETAILS = (
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
)
# Counters that say something only once they have counted something, and an amount that
# defaults to 0 before anything is given.
ZERO_IS_NOTHING = ("escalation_count", "reopen_count", "extension_count", "remedy_amount")


def _row(name: str, value: Any) -> dict[str, Any]:
    return {"name": name, "label": field_label(name), "value": value, "id": ROW_IDS.get(name, "")}


def _is_empty(value: Any) -> bool:
    return value is None or value == ""


@register.simple_tag
def field_rows(complaint, names: str) -> list[dict[str, Any]]:
    """``{% field_rows complaint "request channel" as rows %}``: a row (label, value, element
    id) for each named field that holds something, as ``field_value`` shows it and a person by
    display name. An empty field, a milestone not reached and a counter still at 0 are no row,
    so a card shows only what is known. No query: the view loaded every relation shown."""
    rows = []
    for name in names.split():
        value = getattr(complaint, name)
        if _is_empty(value) or (name in ZERO_IS_NOTHING and not value):
            continue
        if name == "escalation_count" and complaint.escalated_at is not None:
            shown = format_html("{} ({})", value, field_value(complaint, "escalated_at"))
        elif isinstance(value, get_user_model()):
            shown = display_name(value)
        else:
            shown = field_value(complaint, name)
        rows.append(_row(name, shown))
    return rows


@register.simple_tag(takes_context=True)
def complainant_rows(context, complaint) -> list[dict[str, Any]]:
    """The complainant card's rows: each contact detail given, masked for staff who may not see
    who complained (a masked detail is still a detail: its row stays), then the preferred
    channel and language when set and the confidentiality flag."""
    rows = [
        _row(name, complainant(context, complaint, name))
        for name in COMPLAINANT_DETAILS
        if not _is_empty(getattr(complaint, name))
    ]
    for name in ("preferred_channel", "complainant_language"):
        if not _is_empty(getattr(complaint, name)):
            rows.append(_row(name, field_value(complaint, name)))
    rows.append(_row("confidential", yes_no(complaint.confidential)))
    return rows


@register.simple_tag
def description_preview(text: str, lines: int = 4, chars: int = 360) -> dict[str, Any]:
    """The first lines of a long text for the page's summary, and whether there is more."""
    head = "\n".join(text.splitlines()[:lines])
    if len(head) > chars:
        head = head[:chars].rstrip()
    truncated = head.strip() != text.strip()
    return {"head": head + ("…" if truncated else ""), "truncated": truncated}
