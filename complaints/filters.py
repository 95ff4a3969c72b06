"""The staff complaint list: filters, text search, sorting and keyset pagination.

The list must stay fast at a million complaints, so:

- pagination is by keyset ("the rows after this one"), never ``OFFSET`` and never a
  ``COUNT(*)`` over the whole table: a page is one query that reads ``per_page + 1`` rows, the
  extra row only telling whether a next page exists;
- the default order (newest first) is exactly the order of ``cmp_received_idx``
  (``received_at DESC, id DESC``), and the cursor condition carries an explicit range bound
  (``received_at <= v``) so PostgreSQL seeks into that index instead of filtering from the top;
- a department filter is served by ``cmp_dept_state_recv_idx``, an assignee filter by
  ``cmp_assignee_state_idx``, "overdue" by the partial ``cmp_sla_sweep_idx``.
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
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

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


def staff_users() -> QuerySet:
    """Logins that may handle complaints: the choices of the assignee filter."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__tier__in=["frontline", "manager", "gm"])
        .order_by("username")
    )


def overdue_q() -> Q:
    # Exactly the predicate of the partial index cmp_sla_sweep_idx (plus the deadline bound),
    # so PostgreSQL answers it from that small index.
    return Q(state__in=HANDLING_STATES, next_due_at__isnull=False, next_due_at__lt=Now())


class ComplaintFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        widget=forms.TextInput(
            attrs={"placeholder": _("Reference, complainant name or phone, account")}
        ),
    )
    state = django_filters.ChoiceFilter(
        label=_("State"),
        choices=[(OPEN, _("Any open state")), *State.choices],
        method="filter_state",
        empty_label=_("Any state"),
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.all(), empty_label=_("Any department")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.select_related("parent"),
        method="filter_category",
        empty_label=_("Any category"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    channel = django_filters.ChoiceFilter(
        label=_("Channel"), choices=Channel.choices, empty_label=_("Any channel")
    )
    assignee = django_filters.ModelChoiceFilter(
        label=_("Handler"),
        queryset=staff_users(),
        empty_label=_("Anyone"),
        null_label=_("Unassigned"),
    )
    received = django_filters.DateFromToRangeFilter(
        label=_("Received between"),
        field_name="received_at",
        widget=django_filters.widgets.DateRangeWidget(attrs={"type": "date"}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Deadline"),
        method="filter_overdue",
        widget=forms.Select(
            choices=[("", _("Any")), ("true", _("Overdue")), ("false", _("Not overdue"))]
        ),
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Fresh querysets per request (class-level ones would be evaluated once and cached).
        self.filters["assignee"].queryset = staff_users()

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        if REFERENCE_RE.match(value):
            # A whole reference: one lookup in the unique index.
            return queryset.filter(reference=value.upper())
        condition = (
            Q(reference__icontains=value)
            | Q(complainant_name__icontains=value)
            | Q(description__icontains=value)
        )
        digits = normalise_phone(value)
        if len(digits) >= 4:
            condition |= Q(complainant_phone_norm__contains=digits)
        return queryset.filter(condition)

    def filter_state(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == OPEN:
            return queryset.filter(state__in=OPEN_STATES)
        return queryset.filter(state=value)

    def filter_category(self, queryset: QuerySet, name: str, value: Category) -> QuerySet:
        # A top-level category matches its sub-categories too.
        return queryset.filter(Q(category=value) | Q(category__parent=value))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        if value:
            return queryset.filter(overdue_q())
        return queryset.exclude(overdue_q())


# --- sorting -------------------------------------------------------------------------------------

PRIORITY_RANK = Case(
    When(priority=Priority.MAJOR, then=Value(0)),
    When(priority=Priority.URGENT, then=Value(1)),
    default=Value(2),
)
STATE_RANK = Case(
    *[When(state=state, then=Value(rank)) for rank, state in enumerate(State.values)],
    default=Value(len(State.values)),
)


@dataclass(frozen=True)
class Sort:
    label: Any
    field: str  # a model field or the annotation below
    kind: str  # "dt", "str" or "int": how a cursor value is encoded
    nullable: bool = False
    annotation: Any = None


SORTS: dict[str, Sort] = {
    "received": Sort(_("Received on"), "received_at", "dt"),
    "reference": Sort(_("Reference"), "reference", "str"),
    "due": Sort(_("Due"), "next_due_at", "dt", nullable=True),
    "priority": Sort(_("Priority"), "priority_rank", "int", annotation=PRIORITY_RANK),
    "state": Sort(_("State"), "state_rank", "int", annotation=STATE_RANK),
}
DEFAULT_SORT = "-received"
PAGE_SIZES = (25, 50, 100)


def parse_sort(raw: str | None) -> str:
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in SORTS else DEFAULT_SORT


# --- keyset pagination ----------------------------------------------------------------------------


class InvalidCursor(ValueError):
    """A page link that was tampered with or belongs to another sort order."""


def encode_cursor(sort: str, value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([sort, value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        token_sort, value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor(token) from exc
    spec = SORTS[sort.lstrip("-")]
    if token_sort != sort or not isinstance(pk, int):
        raise InvalidCursor(token)
    if value is None:
        if not spec.nullable:
            raise InvalidCursor(token)
        return None, pk
    if spec.kind == "dt":
        parsed = parse_datetime(value) if isinstance(value, str) else None
        if parsed is None:
            raise InvalidCursor(token)
        return parsed, pk
    if spec.kind == "int" and not isinstance(value, int):
        raise InvalidCursor(token)
    if spec.kind == "str" and not isinstance(value, str):
        raise InvalidCursor(token)
    return value, pk


@dataclass
class KeysetPage:
    rows: list
    per_page: int
    has_next: bool
    has_previous: bool
    next_cursor: str | None
    previous_cursor: str | None


def _beyond(field: str, value: Any, pk: int, *, descending: bool, nullable: bool) -> Q:
    """Rows after (value, pk) in display order: ``field`` then ``id`` in one direction, nulls
    last. The ``field <= value`` / ``>=`` bound is what lets an index seek to the cursor."""
    strict, bound, id_strict = ("lt", "lte", "lt") if descending else ("gt", "gte", "gt")
    if value is None:
        return Q(**{f"{field}__isnull": True, f"id__{id_strict}": pk})
    q = Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{strict}": value}) | Q(**{f"id__{id_strict}": pk})
    )
    if nullable:
        q |= Q(**{f"{field}__isnull": True})
    return q


def _before(field: str, value: Any, pk: int, *, descending: bool, nullable: bool) -> Q:
    """Rows before (value, pk) in display order (the mirror of ``_beyond``)."""
    strict, bound, id_strict = ("gt", "gte", "gt") if descending else ("lt", "lte", "lt")
    if value is None:
        return Q(**{f"{field}__isnull": False}) | Q(
            **{f"{field}__isnull": True, f"id__{id_strict}": pk}
        )
    return Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{strict}": value}) | Q(**{f"id__{id_strict}": pk})
    )


def _ordering(field: str, *, descending: bool, nullable: bool, nulls_first: bool) -> list:
    key = F(field)
    if nullable:
        # Only nullable keys name their nulls: "NULLS LAST" on received_at would no longer
        # match the index order and PostgreSQL would sort instead of reading the index.
        if nulls_first:
            key = key.desc(nulls_first=True) if descending else key.asc(nulls_first=True)
        else:
            key = key.desc(nulls_last=True) if descending else key.asc(nulls_last=True)
    else:
        key = key.desc() if descending else key.asc()
    return [key, F("id").desc() if descending else F("id").asc()]


def paginate(
    queryset: QuerySet,
    *,
    sort: str,
    per_page: int,
    after: str | None = None,
    before: str | None = None,
) -> KeysetPage:
    """One page of ``queryset`` in ``sort`` order, after or before a cursor; one SQL query."""
    descending = sort.startswith("-")
    spec = SORTS[sort.lstrip("-")]
    if spec.annotation is not None:
        queryset = queryset.annotate(**{spec.field: spec.annotation})
    backwards = bool(before) and not after
    token = before if backwards else after
    cursor = decode_cursor(token, sort) if token else None
    if backwards:
        # Read the previous page in reverse order from the cursor, then flip it.
        if cursor is not None:
            queryset = queryset.filter(
                _before(spec.field, *cursor, descending=descending, nullable=spec.nullable)
            )
        ordering = _ordering(
            spec.field, descending=not descending, nullable=spec.nullable, nulls_first=True
        )
    else:
        if cursor is not None:
            queryset = queryset.filter(
                _beyond(spec.field, *cursor, descending=descending, nullable=spec.nullable)
            )
        ordering = _ordering(
            spec.field, descending=descending, nullable=spec.nullable, nulls_first=False
        )
    rows = list(queryset.order_by(*ordering)[: per_page + 1])
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
        has_previous, has_next = more, cursor is not None
    else:
        has_previous, has_next = cursor is not None, more
    return KeysetPage(
        rows=rows,
        per_page=per_page,
        has_next=has_next and bool(rows),
        has_previous=has_previous and bool(rows),
        next_cursor=encode_cursor(sort, getattr(rows[-1], spec.field), rows[-1].pk)
        if rows and has_next
        else None,
        previous_cursor=encode_cursor(sort, getattr(rows[0], spec.field), rows[0].pk)
        if rows and has_previous
        else None,
    )
