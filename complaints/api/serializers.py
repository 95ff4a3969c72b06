"""Serializers of the REST API: what a complaint looks like from outside, and the input of each
action.

Reading serializers are read-only through and through: the complaint's ``state`` is a protected
FSM field, and a writable one would raise ``AttributeError`` (a 500) on assignment. Writes go
through ``complaints.services`` only; the input serializers here validate the request (400) and
hand ``validated_data`` to the service as keyword arguments, exactly as the forms in
``complaints.forms`` do for the staff pages. Each transition serializer takes its querysets,
choices and limits from the form of the same action, so the API cannot accept a handler, a
category or a reason that the staff pages would refuse.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints import datebounds, forms, phones, root_causes, selectors, services
from complaints.models import (
    Attachment,
    Category,
    Complaint,
    ContactChannel,
    Department,
    FollowUpOutcome,
    Note,
    RejectReason,
    RootCause,
    WithdrawReason,
)
from complaints.people import display_name
from complaints.transfers import answered_in_time

User = get_user_model()

# Transition names as they appear in URLs (``follow-up``) and as the services know them.
TRANSITION_SLUGS: dict[str, str] = {name.replace("_", "-"): name for name in services.TRANSITIONS}
SERVICE_TO_SLUG: dict[str, str] = {name: slug for slug, name in TRANSITION_SLUGS.items()}

COMPLAINANT_FIELDS = (
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
)


def _user(context: dict[str, Any]):
    request = context.get("request")
    return getattr(request, "user", None)


class StrictCharField(serializers.CharField):
    """A CharField that takes text only and refuses lone surrogates, which PostgreSQL cannot
    store: a JSON body may spell one as ``"\\ud800"``, and without this check the INSERT would
    fail (a 500)."""

    default_error_messages = {"surrogate": _("The text contains an invalid character.")}

    def to_internal_value(self, data: Any) -> str:
        # Text only: DRF would quietly turn a number into its digits.
        if not isinstance(data, str):
            self.fail("invalid")
        # The documented maxLength applies to what was sent, before whitespace is trimmed.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length, length=len(data))
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return value


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id or null, as the schema says: DRF would quietly read an empty string as null."""

    def run_validation(self, data: Any = serializers.empty) -> Any:
        if isinstance(data, str) and data == "":
            self.fail("incorrect_type", data_type="str")
        return super().run_validation(data)


class BoundedDateTimeField(serializers.DateTimeField):
    """A time within the years complaints are handled in (``complaints.datebounds``: the same
    check and message as the staff forms). Far-off years are no real dates for a complaint,
    at the edge of the calendar the conversion to UTC overflows, and before 1900 the local
    zone's historical offsets (Shanghai's +08:05:43) would come back in a form RFC 3339 clients
    cannot parse."""

    default_validators = [datebounds.validate_year]

    def to_internal_value(self, value: Any) -> datetime:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            # DRF's own time-zone check converts to UTC, which overflows at the calendar's
            # edges (year 1 in Shanghai): those are outside the bounds anyway.
            raise serializers.ValidationError(
                datebounds.out_of_range().messages, code="out_of_range"
            ) from None


# ---------------------------------------------------------------------------------------------
# Small read-only shapes used inside others
# ---------------------------------------------------------------------------------------------


class UserSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return display_name(user)


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "active"]
        read_only_fields = fields


class DepartmentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "parent", "path", "active"]
        read_only_fields = fields


class RootCauseSerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)
    parent_code = serializers.SlugRelatedField(
        source="parent", slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = RootCause
        fields = ["id", "code", "name", "parent", "parent_code", "path", "active"]
        read_only_fields = fields


class CategorySummarySerializer(serializers.ModelSerializer):
    path = serializers.CharField(source="__str__", read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name", "path"]
        read_only_fields = fields


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
        if not selectors.may_see_complainant(_user(self.context), complaint):
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
        user = _user(self.context)
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
        return selectors.complaints_visible_to(_user(self.context))


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


# ---------------------------------------------------------------------------------------------
# Lifecycle actions: one input serializer per transition, mirroring complaints.forms
# ---------------------------------------------------------------------------------------------


def _queryset(form: type, field: str):
    return form.base_fields[field].queryset


def _choices(form: type, field: str):
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
        queryset=_queryset(forms.ClassifyForm, "category"),
        help_text=_("A second-level, active category."),
    )
    priority = serializers.ChoiceField(choices=_choices(forms.ClassifyForm, "priority"))
    department = serializers.PrimaryKeyRelatedField(
        queryset=_queryset(forms.ClassifyForm, "department"),
        help_text=_("The handling department."),
    )


class RejectSerializer(TransitionSerializer):
    reason_code = serializers.ChoiceField(choices=_choices(forms.RejectForm, "reason_code"))
    explanation = StrictCharField(
        max_length=5000, help_text=_("What the complainant is told; kept in the history.")
    )


class AssignSerializer(OptionalReasonMixin, TransitionSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=_queryset(forms.AssignForm, "assignee"),
        help_text=_("The handler: an active frontline agent, manager or general manager."),
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=_queryset(forms.AssignForm, "department"),
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
        queryset=_queryset(forms.ResolveForm, "cause"),
        required=False,
        allow_null=True,
        help_text=_(
            "The code of a finer, active root cause (GET /api/v1/root-causes/); required when "
            "substantiated."
        ),
    )
    responsible_department = StrictPrimaryKeyRelatedField(
        queryset=_queryset(forms.ResolveForm, "responsible_department"),
        required=False,
        allow_null=True,
        help_text=_(
            "Substantiated only; default: the department complained about, else the handling "
            "department."
        ),
    )
    responsible_person = StrictPrimaryKeyRelatedField(
        queryset=_queryset(forms.ResolveForm, "responsible_person"),
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
    outcome = serializers.ChoiceField(choices=_choices(forms.FollowUpForm, "outcome"))
    comment = StrictCharField(max_length=5000, required=False, allow_blank=True)


class WithdrawSerializer(TransitionSerializer):
    reason_code = serializers.ChoiceField(choices=_choices(forms.WithdrawForm, "reason_code"))
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


# ---------------------------------------------------------------------------------------------
# History, notes, attachments
# ---------------------------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The history row's id."))
    date = serializers.DateTimeField(read_only=True)
    user = UserSummarySerializer(allow_null=True)
    action = serializers.CharField(help_text=_("register, classify, assign, escalate, edit..."))
    reason = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(
        choices=[("+", _("created")), ("~", _("changed")), ("-", _("deleted"))]
    )
    changes = FieldChangeSerializer(many=True)


class NoteSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=10_000)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "public",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "PDF, PNG, JPEG, GIF, MP3, WAV, DOCX, XLSX, ODT, ODS, TXT or EML; "
            "the type is read from the content."
        )
    )
    public = serializers.BooleanField(
        required=False, default=False, help_text=_("Provided by the complainant.")
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Send as `Authorization: Token <token>`.")
    )
