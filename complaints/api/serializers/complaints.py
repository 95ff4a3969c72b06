"""A complaint as the API shows it (a list row, the detail) and as it registers one."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints import forms, phones, selectors, services
from complaints.api.serializers.common import (
    COMPLAINANT_FIELDS,
    SERVICE_TO_SLUG,
    TRANSITION_SLUGS,
    BoundedDateTimeField,
    CategorySummarySerializer,
    DepartmentSummarySerializer,
    StrictCharField,
    StrictPrimaryKeyRelatedField,
    UserSummarySerializer,
    request_user,
)
from complaints.models import (
    Complaint,
    ContactChannel,
    Department,
    FollowUpOutcome,
    RejectReason,
    WithdrawReason,
)
from complaints.transfers import answered_in_time

User = get_user_model()

# ---------------------------------------------------------------------------------------------
# Complaints, as read
# ---------------------------------------------------------------------------------------------


class BuiltOnce:
    """A ModelSerializer inspects the model and builds its fields on every instance: ≈1.3 ms
    for a complaint, on every list page and every registration. Their fields do not depend on
    the request (masking happens in ``to_representation``), so build them once per class and
    give each instance a copy (≈0.5 ms)."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)


class ComplaintListSerializer(BuiltOnce, serializers.ModelSerializer):
    """One row of a list: the columns a queue shows. Costs no query per row: the list's
    queryset joins category (and its parent), department and assignee."""

    category = CategorySummarySerializer(read_only=True, allow_null=True)
    department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    assignee = UserSummarySerializer(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    deadlines_provisional = serializers.BooleanField(
        read_only=True,
        help_text="A deadline falls in a calendar year whose holidays are not yet confirmed "
        "(loaded from the holidays package, or not loaded): it may still move.",
    )
    url = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "url",
            "state",
            "version",
            "channel",
            "priority",
            "tier",
            "category",
            "department",
            "assignee",
            "complainant_name",
            "confidential",
            "received_at",
            "next_due_at",
            "is_overdue",
            "deadlines_provisional",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, complaint: Complaint) -> str:
        path = reverse("api:complaint", kwargs={"reference": complaint.reference})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def to_representation(self, complaint: Complaint) -> dict[str, Any]:
        data = super().to_representation(complaint)
        # 对信访人身份保密: staff of the unit complained about see the complainant masked.
        if not selectors.may_see_complainant(request_user(self.context), complaint):
            for field in COMPLAINANT_FIELDS:
                if field in data:
                    data[field] = selectors.mask(data[field])
        return data


class ComplaintSerializer(ComplaintListSerializer):
    """One complaint in full, with the actions this user may start on it now."""

    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    subject_department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    subject_person = UserSummarySerializer(read_only=True, allow_null=True)
    remedy_approved_by = UserSummarySerializer(read_only=True, allow_null=True)
    repeat_of = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    merged_into = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    appeal_of = serializers.SlugRelatedField(
        slug_field="reference", read_only=True, allow_null=True
    )
    cause = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("The coded root cause chosen at resolution (GET /api/v1/root-causes/)."),
    )
    responsible_department = DepartmentSummarySerializer(read_only=True, allow_null=True)
    responsible_person = UserSummarySerializer(read_only=True, allow_null=True)
    available_transitions = serializers.SerializerMethodField()
    # Not an email field: masked ("w***************t") or empty, it is not an address.
    complainant_email = serializers.CharField(read_only=True)
    # Empty until the decision or follow-up happens: blank is a documented value.
    reject_reason = serializers.ChoiceField(
        choices=RejectReason.choices, allow_blank=True, read_only=True
    )
    withdraw_reason = serializers.ChoiceField(
        choices=WithdrawReason.choices, allow_blank=True, read_only=True
    )
    follow_up_outcome = serializers.ChoiceField(
        choices=FollowUpOutcome.choices, allow_blank=True, read_only=True
    )
    # Blank: no stated preference.
    preferred_channel = serializers.ChoiceField(
        choices=ContactChannel.choices, allow_blank=True, read_only=True
    )
    answered_by_platform_deadline = serializers.SerializerMethodField(
        help_text=_(
            "Transferred complaints: resolved by the platform's deadline; false once it passed "
            "unanswered; null while it runs or if not transferred."
        )
    )

    class Meta(ComplaintListSerializer.Meta):
        fields = [
            *ComplaintListSerializer.Meta.fields,
            "available_transitions",
            "tracking_code",
            "created_by",
            "complainant_phone",
            "complainant_email",
            "complainant_id_number",
            "complainant_address",
            "preferred_channel",
            "complainant_language",
            "subject_department",
            "subject_person",
            "subject_description",
            "description",
            "request",
            "classified_at",
            "assigned_at",
            "first_response_at",
            "followed_up_at",
            "rejected_at",
            "withdrawn_at",
            "escalated_at",
            "escalation_count",
            "promised_reply_at",
            "acceptance_due_at",
            "first_response_due_at",
            "resolution_due_at",
            "follow_up_due_at",
            "clock_paused_at",
            "extension_count",
            "reject_reason",
            "withdraw_reason",
            "decision_note",
            "root_cause",
            "resolution_summary",
            "remedy",
            "remedy_amount",
            "remedy_approved_amount",
            "remedy_approved_by",
            "corrective_action",
            "substantiated",
            "cause",
            "responsible_department",
            "responsible_person",
            "responsibility_finding",
            "responsibility_found_at",
            "follow_up_outcome",
            "follow_up_comment",
            "reopen_count",
            "repeat_of",
            "merged_into",
            "appeal_of",
            "external_platform",
            "external_reference",
            "external_due_at",
            "answered_by_platform_deadline",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_answered_by_platform_deadline(self, complaint: Complaint) -> bool | None:
        return answered_in_time(complaint.resolved_at, complaint.external_due_at, timezone.now())

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=sorted(TRANSITION_SLUGS)))
    )
    def get_available_transitions(self, complaint: Complaint) -> list[str]:
        """URL names of the actions the user may POST now (``follow-up``, ``approve-remedy``)."""
        user = request_user(self.context)
        if not selectors.may_write(user):
            return []
        return [SERVICE_TO_SLUG[name] for name in services.available_transitions(complaint, user)]


# Joined into the detail query: the relations nearly every complaint has. The others (subject,
# remedy approver, repeat/merge/appeal links) are usually empty, and an empty foreign key costs
# no query; joining all twelve tables cost PostgreSQL ≈10 ms of planning on every request.
DETAIL_RELATIONS = (
    "category",
    "category__parent",
    "department",
    "assignee",
    "created_by",
    "cause",
)


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


def _staff_users():
    return User.objects.filter(is_active=True, staff_profile__isnull=False)


class VisibleComplaintField(serializers.SlugRelatedField):
    """A link to another complaint by reference, among those the user may see: a reference the
    user may not see is answered like one that does not exist."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="reference", **kwargs)

    def get_queryset(self):
        return selectors.complaints_visible_to(request_user(self.context))


class ComplaintCreateSerializer(serializers.ModelSerializer):
    """Staff intake (登记) from an integration: a call centre, a CRM, a regulator's system."""

    description = StrictCharField(max_length=20_000)
    request = StrictCharField(max_length=20_000, required=False, allow_blank=True)
    complainant_name = StrictCharField(max_length=120, required=False, allow_blank=True)
    complainant_phone = StrictCharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=_(
            "A mainland mobile or landline number (with its area code), or an international "
            "number starting with +."
        ),
    )
    complainant_id_number = StrictCharField(max_length=64, required=False, allow_blank=True)
    complainant_address = StrictCharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=_("Postal address, for answers by letter."),
    )
    preferred_channel = serializers.ChoiceField(
        choices=ContactChannel.choices,
        required=False,
        allow_blank=True,
        help_text=_("How the complainant wants to be answered; blank: no preference."),
    )
    subject_description = StrictCharField(max_length=200, required=False, allow_blank=True)
    complainant_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    subject_department = StrictPrimaryKeyRelatedField(
        queryset=Department.objects.filter(active=True), required=False, allow_null=True
    )
    subject_person = StrictPrimaryKeyRelatedField(
        queryset=_staff_users(), required=False, allow_null=True
    )
    category = StrictPrimaryKeyRelatedField(
        queryset=forms.ClassifyForm.base_fields["category"].queryset,
        required=False,
        allow_null=True,
        help_text=_("A second-level category; may be left for classification."),
    )
    department = StrictPrimaryKeyRelatedField(
        queryset=forms.ClassifyForm.base_fields["department"].queryset,
        required=False,
        allow_null=True,
        help_text=_("Handling department; defaults to the registering user's department."),
    )
    repeat_of = VisibleComplaintField(
        required=False, allow_null=True, help_text=_("Reference of the earlier complaint.")
    )
    appeal_of = VisibleComplaintField(
        required=False, allow_null=True, help_text=_("Reference of the complaint appealed.")
    )
    received_at = BoundedDateTimeField(required=False)
    promised_reply_at = BoundedDateTimeField(required=False, allow_null=True)
    reason = StrictCharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("A note for the history row of the registration."),
    )

    class Meta:
        model = Complaint
        fields = [
            "channel",
            "description",
            "request",
            "received_at",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "complainant_id_number",
            "complainant_address",
            "preferred_channel",
            "complainant_language",
            "confidential",
            "subject_department",
            "subject_person",
            "subject_description",
            "category",
            "priority",
            "department",
            "promised_reply_at",
            "repeat_of",
            "appeal_of",
            "reason",
        ]
        extra_kwargs = {
            "priority": {"required": False},
            "confidential": {"required": False},
            "complainant_email": {"required": False},
        }

    def validate_received_at(self, value):
        # A complaint cannot be received in the future; a small skew between clocks is fine.
        if value is not None and value > timezone.now() + timedelta(minutes=5):
            raise serializers.ValidationError(_("The time received cannot be in the future."))
        return value

    def validate_complainant_phone(self, value: str) -> str:
        return phones.clean_phone(value)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("preferred_channel"):
            forms.check_preferred_channel(
                data["preferred_channel"],
                phone=data.get("complainant_phone", ""),
                email=data.get("complainant_email", ""),
                address=data.get("complainant_address", ""),
            )
        received = data.get("received_at") or timezone.now()
        promised = data.get("promised_reply_at")
        if promised is not None and promised < received:
            raise serializers.ValidationError(
                {"promised_reply_at": [_("A reply cannot be promised before the complaint.")]}
            )
        return data

    def service_kwargs(self) -> dict[str, Any]:
        """``validated_data`` as ``services.register`` takes it."""
        data = dict(self.validated_data)
        return {key: value for key, value in data.items() if value is not None}
