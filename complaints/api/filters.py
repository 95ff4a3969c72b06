"""Filters of the complaint list. Each one is served by an index of ``Complaint`` (named beside
it), so a filtered page stays fast over a million rows."""

from __future__ import annotations

from datetime import UTC

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from complaints import root_causes, selectors
from complaints.datebounds import validate_year
from complaints.filters import overdue_q
from complaints.models import TIER_ORDER, Channel, Complaint, Priority, State
from complaints.services import normalise_email, normalise_id, normalise_phone

# The largest id PostgreSQL's bigint holds; a larger number is refused (400), not sent to SQL.
MAX_ID = 2**63 - 1

# Every filter is strict: a value the schema does not allow (an empty ``department=``, an
# ``overdue=maybe``) is a 400 naming the parameter. Django's form fields would instead treat it
# as "no filter", and the client would silently get a list it did not ask for.


class _RefuseEmpty:
    def to_python(self, value):
        if value == "":
            raise forms.ValidationError(_("A value is required when the parameter is sent."))
        return super().to_python(value)


class StrictIntegerField(_RefuseEmpty, forms.IntegerField):
    pass


class StrictDateTimeField(_RefuseEmpty, IsoDateTimeField):
    # The years every typed date keeps to (complaints.datebounds); the edge of the calendar,
    # where the conversion to UTC below overflows, is refused there first.
    default_validators = [validate_year]

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
            # In UTC: PostgreSQL refuses offsets beyond ±15:59 that ISO 8601 allows (-21:26).
            return parsed.astimezone(UTC) if parsed is not None else None
        except OverflowError as exc:  # a year at the edge of the calendar, moved by the zone
            raise forms.ValidationError(_("Enter a valid date/time.")) from exc


class StrictBooleanField(forms.Field):
    def to_python(self, value):
        if value in (None, "true", "false"):
            return None if value is None else value == "true"
        raise forms.ValidationError(_("Use true or false."))


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """A positive integer id (django-filter's NumberFilter would accept 1.5)."""

    field_class = StrictIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class StrictDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = StrictDateTimeField


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # Not django-filter's BooleanWidget, which turns anything it does not know into None.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class ComplaintFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(
        choices=State.choices, help_text=_("One or more states (repeat the parameter).")
    )
    priority = filters.MultipleChoiceFilter(choices=Priority.choices)
    channel = filters.MultipleChoiceFilter(choices=Channel.choices)
    tier = filters.MultipleChoiceFilter(
        choices=[(t.value, t.label) for t in TIER_ORDER], help_text=_("The complaint's tier.")
    )
    # cmp_dept_state_recv_idx
    department = IdFilter(field_name="department_id", help_text=_("Handling department id."))
    # cmp_assignee_state_idx
    assignee = IdFilter(field_name="assignee_id", help_text=_("Handler's user id."))
    category = IdFilter(
        method="filter_category",
        help_text=_("Category id; a top-level category includes its sub-categories."),
    )
    # cmp_cause_resolved_idx
    cause = filters.CharFilter(
        method="filter_cause",
        max_length=40,
        help_text=_("Root-cause code; a top-level cause includes its finer causes."),
    )
    # cmp_received_idx
    created_after = StrictDateTimeFilter(
        field_name="received_at",
        lookup_expr="gte",
        help_text=_("Received at or after this time (ISO 8601)."),
    )
    created_before = StrictDateTimeFilter(
        field_name="received_at",
        lookup_expr="lt",
        help_text=_("Received before this time (ISO 8601)."),
    )
    # cmp_sla_sweep_idx (partial: running clocks only)
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text=_("Past its next deadline while still being handled."),
    )
    search = filters.CharFilter(
        method="filter_search",
        max_length=254,
        help_text=_(
            "A reference, or the complainant's phone, email, or ID/account/card/plate number "
            "(exact, in any spelling)."
        ),
    )

    class Meta:
        model = Complaint
        fields: list[str] = []

    def filter_category(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(Q(category_id=value) | Q(category__parent_id=value))

    def filter_cause(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(root_causes.cause_q(value.strip()))

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        overdue = overdue_q(timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Exact matches on indexed columns only: the reference (unique) and the normalised
        contact keys (cmp_phone_norm_idx, cmp_email_norm_idx, cmp_id_norm_idx). A free-text
        ``LIKE '%…%'`` over every description would scan the whole table."""
        value = value.strip()
        if not value:
            return queryset
        match = Q(reference=value.upper())
        contact = Q()
        if phone := normalise_phone(value):
            contact |= Q(complainant_phone_norm=phone)
        if "@" in value:
            contact |= Q(complainant_email_norm=normalise_email(value))
        if number := normalise_id(value):
            contact |= Q(complainant_id_norm=number)
        if contact:
            match |= contact & ~selectors.complainant_hidden_q(self.request.user)
        return queryset.filter(match)
