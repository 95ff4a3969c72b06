"""The staff complaint list: filters, text search, sorting and keyset pagination.

The list must stay fast at a million complaints, so:

- pagination is by keyset ("the rows after this one"), never ``OFFSET`` and never a
  ``COUNT(*)`` over the whole table: a page is one query that reads ``per_page + 1`` rows, the
  extra row only telling whether a next page exists;
- the default order (newest first) is exactly the order of ``cmp_received_idx``
  (``received_at DESC, id DESC``), and the cursor condition carries an explicit range bound
  (``received_at <= v``) so PostgreSQL seeks into that index instead of filtering from the top;
- a department filter is served by ``cmp_dept_state_recv_idx``, an assignee filter by
  ``cmp_assignee_state_idx``, "overdue" by the partial ``cmp_sla_sweep_idx``;
- ``queue=<key>`` narrows to one of the user's work queues (``complaints.queues``), each
  served by its own index.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from complaints import datebounds, queues, root_causes, selectors
from complaints.datebounds import BoundedDateField
from complaints.models import (
    HANDLING_STATES,
    OPEN_STATES,
    Category,
    Channel,
    Complaint,
    Department,
    Priority,
    State,
)
from complaints.services import normalise_phone

REFERENCE_RE = re.compile(r"^[A-Za-z]{1,5}-\d{4}-\d{3,}$")
OPEN = "open"
HANDLING = "handling"
# The pseudo-states of the state filter and the states each stands for.
STATE_SETS = {OPEN: OPEN_STATES, HANDLING: HANDLING_STATES}


class BoundedDateRangeField(django_filters.fields.DateRangeField):
    """django-filter's "from … to" pair of dates, each held to ``complaints.datebounds``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = (BoundedDateField(), BoundedDateField())
        forms.MultiValueField.__init__(self, fields, *args, **kwargs)


class BoundedDateFromToRangeFilter(django_filters.DateFromToRangeFilter):
    field_class = BoundedDateRangeField


def _attrs_html(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html`` in Python."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


class FastSelect(forms.Select):
    """A ``<select>`` written in Python, character for character what Django's
    ``select.html`` and its one ``{% include %}`` of ``select_option.html`` per option write.
    The list's filter form holds some 230 options (every handler, category, root cause): through
    the templates they took more than half of the list page's rendering (#18)."""

    def _render(self, template_name, context, renderer=None):
        if template_name != forms.Select.template_name:  # a page asked for its own template
            return super()._render(template_name, context, renderer)
        widget = context["widget"]
        out = [
            f'<select name="{conditional_escape(widget["name"])}"{_attrs_html(widget["attrs"])}>'
        ]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                out.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in group_choices:
                out.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs_html(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                out.append("\n  </optgroup>")
        out.append("\n</select>")
        return mark_safe("".join(out))  # noqa: S308 (every value above is escaped)


def staff_users() -> QuerySet:
    """Logins that may handle complaints: the choices of the assignee filter."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__tier__in=["frontline", "manager", "gm"])
        .order_by("username")
    )


def overdue_q(now=None) -> Q:
    """``Complaint.is_overdue`` in SQL: the next deadline passed, or the resolution deadline
    passed while the clock runs, or a resolved complaint's follow-up (回访) is past due. Each
    arm is the predicate of a small partial index (cmp_sla_sweep_idx,
    cmp_overdue_resolution_idx, cmp_follow_up_due_idx), so PostgreSQL answers it with a
    BitmapOr of the three, however many closed complaints the table holds. "Now" is the
    application's clock, as in ``is_overdue``, never the database server's: the two must
    agree."""
    now = timezone.now() if now is None else now
    return (
        Q(state__in=HANDLING_STATES, next_due_at__isnull=False, next_due_at__lt=now)
        | Q(state__in=HANDLING_STATES, clock_paused_at__isnull=True, resolution_due_at__lt=now)
        | Q(state=State.RESOLVED, follow_up_due_at__isnull=False, follow_up_due_at__lt=now)
    )


# Shorter searches look at the start of complainants' names only (see ComplaintFilter.search).
SUBSTRING_MIN = 3


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_(
            "Three characters or more search references, names, phone numbers and descriptions; "
            "one or two find the complainants whose names start with them."
        ),
        widget=forms.TextInput(
            attrs={"placeholder": _("Reference, complainant name or phone, account")}
        ),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[(OPEN, _("Any open state")), (HANDLING, _("Being handled")), *State.choices],
        method="filter_state",
        empty_label=_("Any state"),
        widget=FastSelect,
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        queryset=Department.objects.all(),
        empty_label=_("Any department"),
        widget=FastSelect,
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.select_related("parent"),
        method="filter_category",
        empty_label=_("Any category"),
        widget=FastSelect,
    )
    # ?cause=<code>, as the reports link "the complaints behind this cause".
    cause = django_filters.ModelChoiceFilter(
        label=_("Coded root cause"),
        queryset=root_causes.catalogue(),
        to_field_name="code",
        method="filter_cause",
        empty_label=_("Any root cause"),
        widget=FastSelect,
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"),
        choices=Priority.choices,
        empty_label=_("Any priority"),
        widget=FastSelect,
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel"), widget=FastSelect
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Handler"),
        queryset=staff_users(),
        empty_label=_("Anyone"),
        null_label=_("Unassigned"),
        widget=FastSelect,
    )
    received = BoundedDateFromToRangeFilter(
        label=_("Received between"),
        field_name="received_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    # The complaints behind a report's figure that counts resolutions (root causes, on-time).
    resolved = BoundedDateFromToRangeFilter(
        label=_("Resolved between"),
        field_name="resolved_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Deadline"),
        method="filter_overdue",
        widget=FastSelect(
            choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue"))]
        ),
    )

    queue = django_filters.ChoiceFilter(
        label=_("Queue"),
        choices=[(key, queue.label) for key, queue in queues.QUEUES.items()],
        method="filter_queue",
        empty_label=_("Any queue"),
        widget=FastSelect,
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fresh querysets per request (class-level ones would be evaluated once and cached).
        self.filters["assignee"].queryset = staff_users()
        self.filters["cause"].queryset = root_causes.catalogue()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if REFERENCE_RE.match(value):
            # A whole reference: one lookup in the unique index.
            return queryset.filter(reference=value.upper())
        hidden = selectors.complainant_hidden_q(getattr(self.request, "user", None))
        if len(value) < SUBSTRING_MIN:
            # One or two characters (a Chinese surname or given name) hold no trigram to look
            # up, so a substring search would read every description. Names starting with them
            # do: "王伟%" is a search in the trigram index of names.
            return queryset.filter(Q(complainant_name__istartswith=value) & ~hidden)
        contact = Q(complainant_name__icontains=value)
        digits = normalise_phone(value)
        if len(digits) >= 4:
            contact |= Q(complainant_phone_norm__contains=digits)
        # A search by name or phone must not find a complaint whose complainant is masked for
        # this user: the match alone would reveal who complained.
        contact &= ~hidden
        condition = Q(reference__icontains=value) | Q(description__icontains=value) | contact
        return queryset.filter(condition)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value in STATE_SETS:
            return queryset.filter(state__in=STATE_SETS[value])
        return queryset.filter(state=value)

    def filter_category(self, queryset: QuerySet, name: str, value: Category) -> QuerySet:
        # A top-level category matches its sub-categories too.
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_cause(self, queryset: QuerySet, name: str, value) -> QuerySet:
        # A top-level cause matches its finer causes too (cmp_cause_resolved_idx).
        return queryset.filter(root_causes.cause_q(value.code))

    def filter_queue(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The queue's condition for this user; the queryset is already their visible set.
        return queryset.filter(queues.queue_filter(getattr(self.request, "user", None), value))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        if value:
            return queryset.filter(overdue_q())
        return queryset.exclude(overdue_q())


# --- sorting -------------------------------------------------------------------------------------
#
# Every sort is a sequence of *groups*, each read in the order of an index, so a page never
# sorts the filtered set in memory:
#
# - "received" and "reference": one group, ordered by cmp_received_idx / the reference index;
# - "priority": major, urgent, normal, each newest first (cmp_received_idx);
# - "state": the lifecycle order, each state newest first;
# - "due": running deadlines soonest first (the partial cmp_sla_sweep_idx), then every
#   complaint without a running clock, newest first.
#
# A page reads its groups one after the other until it has per_page + 1 rows, so it costs at
# most one query per group (eight for "state"), whatever the page size and the table size.


@dataclass(frozen=True)
class Group:
    condition: Q
    field: str  # never null inside the group
    descending: bool
    kind: str  # "dt" or "str": how a cursor value is encoded


def _newest_first(condition: Q) -> Group:
    return Group(condition, "received_at", True, "dt")


RUNNING_CLOCK = Q(state__in=HANDLING_STATES, next_due_at__isnull=False)


def _priority_groups(descending: bool, narrowed: dict) -> list[Group]:
    order = [Priority.MAJOR, Priority.URGENT, Priority.NORMAL]
    if narrowed.get("priority"):
        order = [p for p in order if p == narrowed["priority"]]
    order = order[::-1] if descending else order
    return [_newest_first(Q(priority=p)) for p in order]


def _state_groups(descending: bool, narrowed: dict) -> list[Group]:
    order = list(State.values)
    state = narrowed.get("state")
    if state in STATE_SETS:
        order = [s for s in order if s in STATE_SETS[state]]
    elif state:
        order = [s for s in order if s == state]
    order = order[::-1] if descending else order
    return [_newest_first(Q(state=s)) for s in order]


def _due_groups(descending: bool, narrowed: dict) -> list[Group]:
    return [
        Group(RUNNING_CLOCK, "next_due_at", descending, "dt"),
        _newest_first(~RUNNING_CLOCK),
    ]


@dataclass(frozen=True)
class Sort:
    label: Any
    groups: Any  # (descending, narrowed filters) -> list[Group]


SORTS: dict[str, Sort] = {
    "received": Sort(_("Received on"), lambda d, n: [Group(Q(), "received_at", d, "dt")]),
    "reference": Sort(_("Reference"), lambda d, n: [Group(Q(), "reference", d, "str")]),
    "due": Sort(_("Due"), _due_groups),
    "priority": Sort(_("Priority"), _priority_groups),
    "state": Sort(_("State"), _state_groups),
}
DEFAULT_SORT = "-received"
PAGE_SIZES = (25, 50, 100)


def parse_sort(raw: str | None) -> str:
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in SORTS else DEFAULT_SORT


# --- keyset pagination ----------------------------------------------------------------------------


class InvalidCursor(ValueError):
    """A page link that was tampered with or belongs to another sort order."""


@dataclass(frozen=True)
class Cursor:
    group: int
    value: Any
    pk: int


def encode_cursor(sort: str, group: int, value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, group, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str, groups: list[Group]) -> Cursor:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        token_sort, group, value, pk = json.loads(raw)
    # RecursionError: a tampered cursor can hold JSON nested a thousand levels deep.
    except (binascii.Error, ValueError, TypeError, RecursionError) as exc:
        raise InvalidCursor(token) from exc
    if token_sort != sort or not isinstance(pk, int) or not isinstance(group, int):
        raise InvalidCursor(token)
    if not 0 <= group < len(groups) or not isinstance(value, str):
        raise InvalidCursor(token)
    if groups[group].kind == "dt":
        try:
            value = parse_datetime(value)
        except ValueError as exc:  # well-formed but impossible, e.g. 31 February
            raise InvalidCursor(token) from exc
        # The list writes times with their offset and within the years a complaint's times
        # may take; a naive one, or one at the calendar's edge (which overflows on SQLite's
        # conversion to UTC), was not written by it.
        if value is None or value.tzinfo is None or not datebounds.in_bounds(value):
            raise InvalidCursor(token)
    return Cursor(group, value, pk)


@dataclass
class KeysetPage:
    rows: list
    per_page: int
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None


def _after(group: Group, cursor: Cursor, *, reverse: bool = False) -> Q:
    """Rows after the cursor inside its group (before it when ``reverse``). The explicit bound
    (``received_at <= v``) is what lets PostgreSQL seek into the index at the cursor instead of
    reading from the top and filtering."""
    descending = group.descending != reverse
    strict, bound = ("lt", "lte") if descending else ("gt", "gte")
    field, value = group.field, cursor.value
    return Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{strict}": value}) | Q(**{f"id__{strict}": cursor.pk})
    )


def _order(group: Group, *, reverse: bool = False) -> list:
    descending = group.descending != reverse
    if descending:
        return [F(group.field).desc(), F("id").desc()]
    return [F(group.field).asc(), F("id").asc()]


def paginate(
    queryset: QuerySet,
    *,
    sort: str,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
    narrowed: dict | None = None,
) -> KeysetPage:
    """One page of ``queryset`` in ``sort`` order, after or before a cursor.

    ``narrowed`` holds the filters already applied (state, priority), so a sort does not read
    groups the filters exclude: a group with no row costs a scan of the filtered set.
    """
    groups = SORTS[sort.lstrip("-")].groups(sort.startswith("-"), narrowed or {})
    backwards = bool(before) and not after
    token = before if backwards else after
    cursor = decode_cursor(token, sort, groups) if token else None
    start = cursor.group if cursor else (len(groups) - 1 if backwards else 0)
    indexes = range(start, -1, -1) if backwards else range(start, len(groups))
    found: list[tuple[int, Any]] = []
    for index in indexes:
        group = groups[index]
        qs = queryset.filter(group.condition)
        if cursor is not None and index == cursor.group:
            qs = qs.filter(_after(group, cursor, reverse=backwards))
        need = per_page + 1 - len(found)
        found.extend((index, row) for row in qs.order_by(*_order(group, reverse=backwards))[:need])
        if len(found) > per_page:
            break
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
        has_previous, has_next = more, cursor is not None
    else:
        has_previous, has_next = cursor is not None, more

    def token_for(index: int, row) -> str:
        return encode_cursor(sort, index, getattr(row, groups[index].field), row.pk)

    return KeysetPage(
        rows=[row for _index, row in found],
        per_page=per_page,
        has_next=has_next and bool(found),
        has_previous=has_previous and bool(found),
        next_cursor=token_for(*found[-1]) if found and has_next else None,
        previous_cursor=token_for(*found[0]) if found and has_previous else None,
    )
