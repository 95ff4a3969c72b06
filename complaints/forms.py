"""Forms for each lifecycle action: exactly the fields the action needs.

Used by the admin's transition pages, the staff views and (as a model for the API serializers).
``cleaned_data`` maps one-to-one onto the keyword arguments of the service of the same name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import phones, root_causes
from complaints.datebounds import BoundedDateTimeField
from complaints.models import (
    Category,
    Communication,
    ContactChannel,
    Department,
    FollowUpOutcome,
    Priority,
    RejectReason,
    WithdrawReason,
)
from complaints.people import display_name
from complaints.selectors import people_who_can_take
from complaints.uploads import check_upload

# --- the complainant's contact details (registration, public form, editing, API) ---------------


def check_preferred_channel(channel: str, *, phone: str, email: str, address: str) -> None:
    """A stated preference must be usable: notices go by it first, and one that cannot be
    used would leave the complainant unanswered by the channel they chose. Raises
    ValidationError naming ``preferred_channel``."""
    message = None
    if channel == ContactChannel.SMS and not phones.sms_number(phone):
        message = _(
            "Text messages need a mobile number: give one, or choose another way to answer."
        )
    elif channel == ContactChannel.EMAIL and not email:
        message = _("Answers by email need an email address: give one, or choose another way.")
    elif channel == ContactChannel.LETTER and not (address or "").strip():
        message = _("Letters need a postal address: give one, or choose another way to answer.")
    if message:
        raise forms.ValidationError({"preferred_channel": message}, code="unusable_channel")


class ComplainantContactMixin:
    """The phone check and the preferred-channel check of every form that records a
    complainant's contact details (staff registration, public form, the admin's edit form)."""

    def clean_complainant_phone(self) -> str:
        return phones.clean_phone(self.cleaned_data.get("complainant_phone") or "")

    def clean(self):
        cleaned = super().clean()
        contact = ("complainant_phone", "complainant_email", "complainant_address")
        if any(self.has_error(name) for name in contact if name in self.fields):
            return cleaned  # that error is the one to fix first
        if "preferred_channel" in self.fields and cleaned.get("preferred_channel"):
            # The form's own values, else the complaint's (a partial edit form).
            instance = getattr(self, "instance", None)

            def value(name: str) -> str:
                if name in self.fields:
                    return cleaned.get(name) or ""
                return getattr(instance, name, "") or ""

            try:
                check_preferred_channel(
                    cleaned["preferred_channel"],
                    phone=value("complainant_phone"),
                    email=value("complainant_email"),
                    address=value("complainant_address"),
                )
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class VersionedForm(forms.Form):
    """Every action form carries the version the user saw, so a stale copy is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class ClassifyForm(VersionedForm):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(active=True, parent__isnull=False).select_related(
            "parent"
        ),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    department = forms.ModelChoiceField(
        label=_("Handling department"), queryset=Department.objects.filter(active=True)
    )
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))


class RejectForm(VersionedForm):
    reason_code = forms.ChoiceField(label=_("Rejection reason"), choices=RejectReason.choices)
    explanation = forms.CharField(
        label=_("Explanation for the complainant"), widget=forms.Textarea(attrs={"rows": 3})
    )


class RefusalAppealDecisionForm(VersionedForm):
    """不予受理复查: uphold the refusal, or overturn it and accept the original complaint."""

    OUTCOMES = [
        ("upheld", _("Uphold the refusal")),
        ("overturned", _("Overturn the refusal and accept the complaint")),
    ]
    outcome = forms.ChoiceField(label=_("Decision"), choices=OUTCOMES, widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Reasons given to the complainant"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        required=False,
        queryset=Category.objects.filter(active=True, parent__isnull=False).select_related(
            "parent"
        ),
        help_text=_("When overturned: the accepted complaint's category (default: its own)."),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", "---------"), *Priority.choices]
    )
    department = forms.ModelChoiceField(
        label=_("Handling department"),
        required=False,
        queryset=Department.objects.filter(active=True),
        help_text=_("When overturned: who handles it (default: its own, else the appeal's)."),
    )


class PersonChoiceField(forms.ModelChoiceField):
    """A picker of people, each shown by their display name (never their login)."""

    def label_from_instance(self, obj) -> str:
        return display_name(obj)


class CauseChoiceField(forms.ModelChoiceField):
    """A picker of the choosable root causes, posted by code. Any cause in the catalogue is
    read back, so that a top-level or retired one gets the rule's own message
    (``root_causes.cause_problem``) rather than "not one of the choices"."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        cause = root_causes.by_code(str(value))
        if cause is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return cause


class AssignForm(VersionedForm):
    assignee = PersonChoiceField(
        label=_("Handler"),
        queryset=get_user_model()
        .objects.filter(is_active=True, staff_profile__tier__in=["frontline", "manager", "gm"])
        .order_by("first_name", "last_name", "username"),
    )
    department = forms.ModelChoiceField(
        label=_("Move to department"),
        queryset=Department.objects.filter(active=True),
        required=False,
        help_text=_("Leave empty to keep the current department."),
    )
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, complaint=None, **kwargs):
        super().__init__(*args, **kwargs)
        if complaint is not None:
            # Only people the service would accept; when the complaint is being moved, the
            # staff of the department it moves to as well (whether the move itself is allowed
            # is the service's answer, a 403, not a form error).
            people = people_who_can_take(complaint)
            moving_to = self.data.get(self.add_prefix("department")) if self.is_bound else None
            if str(moving_to or "").isdigit():
                people = (people | people_who_can_take(complaint, int(moving_to))).distinct()
            self.fields["assignee"].queryset = people


class ResolveForm(VersionedForm):
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea({"rows": 3}))
    resolution_summary = forms.CharField(
        label=_("Resolution summary"), widget=forms.Textarea({"rows": 3})
    )
    remedy = forms.CharField(
        label=_("Remedy given"), required=False, widget=forms.Textarea({"rows": 2})
    )
    remedy_amount = forms.DecimalField(
        label=_("Remedy amount"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
    )
    corrective_action = forms.CharField(
        label=_("Corrective and preventive action"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    substantiated = forms.TypedChoiceField(
        label=_("Substantiated?"),
        choices=[("true", _("Yes, substantiated")), ("false", _("No, not substantiated"))],
        coerce=lambda value: value == "true",
    )
    # Posted as the cause's code, as ?cause=<code> on the list and the API take it.
    cause = CauseChoiceField(
        label=_("Coded root cause"),
        queryset=root_causes.choosable_causes(),
        to_field_name="code",
        required=False,
        help_text=_("Required when the complaint is substantiated."),
    )
    responsible_department = forms.ModelChoiceField(
        label=_("Responsible department"),
        queryset=Department.objects.filter(active=True),
        required=False,
        help_text=_(
            "Substantiated complaints only. Leave empty for the department complained about "
            "(or, if none was named, the handling department)."
        ),
    )
    responsible_person = PersonChoiceField(
        label=_("Responsible person"),
        queryset=root_causes.active_staff(),
        required=False,
        help_text=_("Substantiated complaints only, where a person is found responsible."),
    )
    responsibility_finding = forms.CharField(
        label=_("Responsibility finding"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("Internal: never shown to the complainant. Required when a person is named."),
    )
    reason = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea({"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if self.has_error("substantiated") or self.has_error("cause"):
            return cleaned
        problems = root_causes.resolution_problems(
            substantiated=cleaned.get("substantiated"),
            cause=cleaned.get("cause"),
            responsible_person=cleaned.get("responsible_person"),
            responsibility_finding=cleaned.get("responsibility_finding") or "",
        )
        for name, message in problems.items():
            self.add_error(name, message)
        return cleaned


class ApproveRemedyForm(VersionedForm):
    amount = forms.DecimalField(
        label=_("Approved amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(VersionedForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=FollowUpOutcome.choices)
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class WithdrawForm(VersionedForm):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=WithdrawReason.choices)
    explanation = forms.CharField(label=_("Explanation"), widget=forms.Textarea(attrs={"rows": 3}))


# --- records added to a complaint (not lifecycle moves) -----------------------------------------


class NoteForm(forms.Form):
    body = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))


class CommunicationForm(forms.Form):
    medium = forms.ChoiceField(label=_("How"), choices=Communication.Medium.choices)
    direction = forms.ChoiceField(label=_("Direction"), choices=Communication.Direction.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))
    occurred_at = BoundedDateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    public = forms.BooleanField(label=_("Show on the complainant's tracking page"), required=False)

    def clean_occurred_at(self) -> datetime | None:
        when = self.cleaned_data.get("occurred_at")
        # A small allowance for clocks that disagree; a contact cannot happen in the future.
        if when is not None and when > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("A contact cannot be logged in the future."))
        return when


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
    public = forms.BooleanField(label=_("Provided by the complainant"), required=False)

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        self.checked = check_upload(uploaded)  # size and sniffed type; raises ValidationError
        return uploaded


RECORD_FORMS = {"note": NoteForm, "communication": CommunicationForm, "attachment": AttachmentForm}


TRANSITION_FORMS: dict[str, type[VersionedForm]] = {
    "classify": ClassifyForm,
    "reject": RejectForm,
    "assign": AssignForm,
    "resolve": ResolveForm,
    "approve_remedy": ApproveRemedyForm,
    "follow_up": FollowUpForm,
    "reopen": ReasonForm,
    "close": ReasonForm,
    "withdraw": WithdrawForm,
    "escalate": ReasonForm,
}
