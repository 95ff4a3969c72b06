"""Filters of the action list (page and API): state, department, owner, cause, overdue."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.api.filters import IdFilter, StrictBooleanFilter
from complaints.models import Department, RootCause
from improvement.forms import PersonChoiceField, staff_people
from improvement.models import WORKING_STATES, ActionState, CorrectiveAction


class PersonFilter(django_filters.ModelChoiceFilter):
    field_class = PersonChoiceField


class ActionFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=ActionState.choices)
    department = django_filters.ModelChoiceFilter(
        label=_("Department"), queryset=Department.objects.all()
    )
    owner = PersonFilter(label=_("Owner"), queryset=staff_people())
    cause = django_filters.ModelChoiceFilter(
        label=_("Root cause"),
        queryset=RootCause.objects.select_related("parent"),
        to_field_name="code",
        method="filter_cause",
    )
    overdue = django_filters.BooleanFilter(label=_("Overdue"), method="filter_overdue")

    class Meta:
        model = CorrectiveAction
        fields = ["state", "department", "owner", "cause", "overdue"]

    def filter_cause(self, queryset, name, value):
        # A top-level cause matches its sub-causes too.
        if value is None:
            return queryset
        if value.parent_id is None:
            return queryset.filter(
                cause__in=[value.pk, *value.children.values_list("pk", flat=True)]
            )
        return queryset.filter(cause=value)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        # capa_open_due_idx: being worked on and past the due date (a day in Asia/Shanghai).
        late = {"state__in": WORKING_STATES, "due_on__lt": timezone.localdate()}
        return queryset.filter(**late) if value else queryset.exclude(**late)


class ActionApiFilter(ActionFilter):
    """The API's filters: as strict as the complaints API's (a value the schema does not allow
    is a 400 naming the parameter, never "no filter")."""

    department = IdFilter(field_name="department_id", help_text=_("Department id."))
    owner = IdFilter(field_name="owner_id", help_text=_("Owner's user id."))
    overdue = StrictBooleanFilter(
        method="filter_overdue",
        help_text=_("Being worked on and past its due date (a day in Asia/Shanghai)."),
    )
