"""The input of each lifecycle action: one serializer per transition, each taking its
querysets, choices and limits from the staff form of the same action."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints import forms, root_causes
from complaints.api.serializers.common import (
    StrictCharField,
    StrictPrimaryKeyRelatedField,
)
from complaints.models import (
    RootCause,
)

# ---------------------------------------------------------------------------------------------
# Lifecycle actions: one input serializer per transition, mirroring complaints.forms
# ---------------------------------------------------------------------------------------------


def form_queryset(form: type, field: str):
    return form.base_fields[field].queryset


def form_choices(form: type, field: str):
    return list(form.base_fields[field].choices)


class TransitionSerializer(serializers.Serializer):
    """Every action accepts the version the client read; a stale one is refused with 409.
    The ``If-Match`` header (the detail's ``ETag``) does the same."""

    expected_version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2_147_483_647,
        help_text=_("The complaint's version as you read it; refused with 409 if it changed."),
    )


class ReasonSerializer(TransitionSerializer):
    reason = StrictCharField(max_length=2000, help_text=_("Why; kept in the history."))


class OptionalReasonMixin(serializers.Serializer):
    reason = StrictCharField(
        max_length=2000, required=False, allow_blank=True, help_text=_("A note for the history.")
    )


class ClassifySerializer(OptionalReasonMixin, TransitionSerializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=form_queryset(forms.ClassifyForm, "category"),
        help_text=_("A second-level, active category."),
    )
    priority = serializers.ChoiceField(choices=form_choices(forms.ClassifyForm, "priority"))
    department = serializers.PrimaryKeyRelatedField(
        queryset=form_queryset(forms.ClassifyForm, "department"),
        help_text=_("The handling department."),
    )


class RejectSerializer(TransitionSerializer):
    reason_code = serializers.ChoiceField(choices=form_choices(forms.RejectForm, "reason_code"))
    explanation = StrictCharField(
        max_length=5000, help_text=_("What the complainant is told; kept in the history.")
    )


class AssignSerializer(OptionalReasonMixin, TransitionSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=form_queryset(forms.AssignForm, "assignee"),
        help_text=_("The handler: an active frontline agent, manager or general manager."),
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=form_queryset(forms.AssignForm, "department"),
        required=False,
        allow_null=True,
        help_text=_("Move the complaint to this department (managers and the GM only)."),
    )


class CauseField(serializers.SlugRelatedField):
    """A root cause by code. The choosable causes are its queryset (as the form's); any cause
    of the catalogue is read back, so that a top-level or retired one is refused with the
    rule's own reason (``ResolveSerializer.validate``) rather than "does not exist"."""

    def to_internal_value(self, data: Any) -> RootCause:
        if not isinstance(data, str):
            self.fail("invalid")
        cause = root_causes.by_code(data)
        if cause is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return cause


class ResolveSerializer(OptionalReasonMixin, TransitionSerializer):
    root_cause = StrictCharField(max_length=10_000)
    resolution_summary = StrictCharField(max_length=10_000)
    remedy = StrictCharField(max_length=10_000, required=False, allow_blank=True)
    remedy_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        required=False,
        default=Decimal("0"),
        coerce_to_string=True,
    )
    corrective_action = StrictCharField(max_length=10_000, required=False, allow_blank=True)
    substantiated = serializers.BooleanField(help_text=_("Whether the complaint was justified."))
    cause = CauseField(
        slug_field="code",
        queryset=form_queryset(forms.ResolveForm, "cause"),
        required=False,
        allow_null=True,
        help_text=_(
            "The code of a finer, active root cause (GET /api/v1/root-causes/); required when "
            "substantiated."
        ),
    )
    responsible_department = StrictPrimaryKeyRelatedField(
        queryset=form_queryset(forms.ResolveForm, "responsible_department"),
        required=False,
        allow_null=True,
        help_text=_(
            "Substantiated only; default: the department complained about, else the handling "
            "department."
        ),
    )
    responsible_person = StrictPrimaryKeyRelatedField(
        queryset=form_queryset(forms.ResolveForm, "responsible_person"),
        required=False,
        allow_null=True,
        help_text=_("Substantiated only: an active member of staff's user id."),
    )
    responsibility_finding = StrictCharField(
        max_length=10_000,
        required=False,
        allow_blank=True,
        help_text=_("Internal; required when a person is named."),
    )

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        problems = root_causes.resolution_problems(
            substantiated=data.get("substantiated"),
            cause=data.get("cause"),
            responsible_person=data.get("responsible_person"),
            responsibility_finding=data.get("responsibility_finding", ""),
        )
        if problems:
            raise serializers.ValidationError({name: [msg] for name, msg in problems.items()})
        return data


class ApproveRemedySerializer(TransitionSerializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0.01"), coerce_to_string=True
    )
    reason = StrictCharField(max_length=2000)


class FollowUpSerializer(TransitionSerializer):
    outcome = serializers.ChoiceField(choices=form_choices(forms.FollowUpForm, "outcome"))
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True)


class WithdrawSerializer(TransitionSerializer):
    reason_code = serializers.ChoiceField(choices=form_choices(forms.WithdrawForm, "reason_code"))
    explanation = StrictCharField(max_length=5000)


# Service name → input serializer; the same keys as forms.TRANSITION_FORMS.
TRANSITION_SERIALIZERS: dict[str, type[TransitionSerializer]] = {
    "classify": ClassifySerializer,
    "reject": RejectSerializer,
    "assign": AssignSerializer,
    "resolve": ResolveSerializer,
    "approve_remedy": ApproveRemedySerializer,
    "follow_up": FollowUpSerializer,
    "reopen": ReasonSerializer,
    "close": ReasonSerializer,
    "withdraw": WithdrawSerializer,
    "escalate": ReasonSerializer,
}
