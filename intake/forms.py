"""Intake forms: staff registration (phone, counter, letter, transfer...; its sections are laid
out in ``intake.layout``), the public complaint form, the tracking look-up and the appeal. Forms
reject bad input (400); services do the rest."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import root_causes
from complaints.datebounds import BoundedDateTimeField
from complaints.forms import CauseChoiceField, ComplainantContactMixin
from complaints.models import (
    OPEN_STATES,
    Category,
    Channel,
    Complaint,
    ContactChannel,
    FollowUpOutcome,
)
from complaints.people import display_name
from complaints.uploads import check_upload
from intake import services as intake_services
from intake.layout import registration_layout
from intake.selectors import visible_for_lookup
from intake.services import Evidence

STAFF_CHANNELS = [
    (c.value, c.label)
    for c in (
        Channel.PHONE,
        Channel.COUNTER,
        Channel.LETTER,
        Channel.TRANSFER,
        Channel.INTERNAL,
        Channel.EMAIL,
        Channel.SOCIAL,
    )
]

_TOKEN = re.compile(r"^[0-9a-f]{32}$")


def new_token() -> str:
    return uuid.uuid4().hex


def leaf_categories():
    return Category.objects.filter(active=True, parent__isnull=False).select_related("parent")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several evidence files; each is checked by ``check_upload`` (sniffed type, size)."""

    def __init__(self, *, max_files: int | None = None, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_files = max_files

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        limit = self.max_files or settings.REDRESS_PUBLIC_MAX_FILES
        if len(files) > limit:
            raise ValidationError(
                _("Attach at most %(limit)s files.") % {"limit": limit}, code="too_many"
            )
        evidence = []
        for uploaded in files:
            super().clean(uploaded, initial)
            evidence.append(Evidence(file=uploaded, checked=check_upload(uploaded)))
        return evidence


class SubmissionTokenMixin(forms.Form):
    """A hidden per-form token: a double-clicked or resent form registers one complaint."""

    submission_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def clean_submission_token(self) -> str:
        token = self.cleaned_data.get("submission_token", "")
        if token and not _TOKEN.match(token):
            raise ValidationError(_("The form is damaged; reload the page and try again."))
        return token


PHONE_HELP = _(
    "A mainland mobile (138 0013 8000), a landline with its area code (010-12345678), or an "
    "international number starting with +."
)
ADDRESS_HELP = _("For answers by letter (written notices and decisions).")
CHANNEL_HELP = _(
    "How the complainant wants to be answered. Empty: by email, else text message, else letter."
)
NO_PREFERENCE = [("", _("No preference"))]


def _complaint_by_reference(queryset, value: str, *, message) -> Complaint | None:
    value = (value or "").strip().upper()
    if not value:
        return None
    complaint = queryset.filter(reference=value).first()
    if complaint is None:
        raise ValidationError(message)
    return complaint


class StaffRegistrationForm(ComplainantContactMixin, SubmissionTokenMixin, forms.ModelForm):
    """登记: everything DOMAIN.md asks to record when a complaint arrives through staff."""

    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)
    attachments = EvidenceField(label=_("Evidence files"), max_files=20)
    repeat_of_reference = forms.CharField(
        label=_("Repeat of (reference)"),
        required=False,
        max_length=20,
        help_text=_("The earlier complaint this one repeats (重复投诉); it will be linked."),
    )
    merge_into_reference = forms.CharField(
        label=_("Duplicate of open complaint (reference)"),
        required=False,
        max_length=20,
        help_text=_("Register this contact and merge it into that open complaint."),
    )
    appeal_of_reference = forms.CharField(
        label=_("Appeal against (reference)"),
        required=False,
        max_length=20,
        help_text=_(
            "A closed complaint whose outcome the complainant appeals, or a refused one whose "
            "refusal they ask to have reviewed (不予受理复查)."
        ),
    )

    class Meta:
        model = Complaint
        fields = [
            "channel",
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
            "description",
            "request",
            "category",
            "priority",
            "promised_reply_at",
        ]
        widgets = {
            "received_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "request": forms.Textarea(attrs={"rows": 2}),
            "promised_reply_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
            "complainant_address": forms.Textarea(attrs={"rows": 2}),
        }
        # One bound on every typed date (complaints.datebounds), the same as the API's.
        field_classes = {
            "received_at": BoundedDateTimeField,
            "promised_reply_at": BoundedDateTimeField,
        }
        help_texts = {
            "complainant_phone": PHONE_HELP,
            "complainant_address": ADDRESS_HELP,
            "preferred_channel": CHANNEL_HELP,
            "promised_reply_at": _(
                "When the complainant was promised an answer, if it could not be given at once."
            ),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["received_at"].required = False
        self.fields["received_at"].initial = None  # not the model's default: empty means "now"
        self.fields["received_at"].help_text = _("Leave empty for now.")
        self.fields["category"].queryset = leaf_categories()
        self.fields["subject_person"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff_profile__isnull=False)
            .order_by("first_name", "last_name", "username")
        )
        self.fields["subject_person"].label_from_instance = display_name
        self.fields["preferred_channel"].choices = NO_PREFERENCE + list(ContactChannel.choices)
        for name in ("complainant_phone", "complainant_email", "complainant_id_number"):
            # static/intake/earlier.js looks the complainant up while these are typed.
            self.fields[name].widget.attrs["data-earlier-lookup"] = name
        if not self.is_bound:
            self.initial.setdefault("submission_token", new_token())
        if self.files.getlist("attachments"):
            # Only shown when the form comes back for correction: browsers never refill files.
            self.fields["attachments"].help_text = _(
                "Select the files again: a form sent back for correction does not keep them."
            )
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template owns <form>, its id and the first-contact part
        self.helper.disable_csrf = True  # the template's {% csrf_token %}
        self.helper.layout = registration_layout()
        # A field added to Meta.fields but not to the layout still appears (after the sections)
        # rather than silently vanishing; tests/intake/test_register_sections.py flags it.
        self.helper.render_unmentioned_fields = True

    def clean_received_at(self):
        value = self.cleaned_data.get("received_at")
        if value and value > timezone.now() + timedelta(minutes=5):
            raise ValidationError(_("The time received cannot be in the future."))
        return value or timezone.now()

    def clean_promised_reply_at(self):
        value = self.cleaned_data.get("promised_reply_at")
        if value and value <= timezone.now():
            raise ValidationError(_("A promised reply time must be in the future."))
        return value

    def clean_repeat_of_reference(self):
        return _complaint_by_reference(
            visible_for_lookup(self.user),
            self.cleaned_data.get("repeat_of_reference"),
            message=_("No complaint you can see has this reference."),
        )

    def clean_merge_into_reference(self):
        target = _complaint_by_reference(
            visible_for_lookup(self.user),
            self.cleaned_data.get("merge_into_reference"),
            message=_("No complaint you can see has this reference."),
        )
        if target is not None and target.state not in OPEN_STATES:
            raise ValidationError(_("Only an open complaint can take in a duplicate."))
        return target

    def clean_appeal_of_reference(self):
        original = _complaint_by_reference(
            visible_for_lookup(self.user),
            self.cleaned_data.get("appeal_of_reference"),
            message=_("No complaint you can see has this reference."),
        )
        if original is not None and not intake_services.may_appeal(original):
            raise ValidationError(intake_services.appeal_refused_message(original))
        return original

    def clean(self):
        cleaned = super().clean()
        contact = [
            cleaned.get(f)
            for f in (
                "complainant_phone",
                "complainant_email",
                "complainant_id_number",
                "complainant_name",
                "complainant_address",
            )
        ]
        if not any(contact) and not cleaned.get("appeal_of_reference"):
            raise ValidationError(
                _("Record at least one way to identify or reach the complainant.")
            )
        links = [
            f
            for f in ("repeat_of_reference", "merge_into_reference", "appeal_of_reference")
            if cleaned.get(f)
        ]
        if len(links) > 1:
            raise ValidationError(
                _("A complaint is either a repeat, a duplicate or an appeal: choose one.")
            )
        return cleaned

    def registration_fields(self) -> dict:
        """``cleaned_data`` as keyword arguments of ``intake.services.register`` (which hands
        them to the core's ``register``)."""
        data = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name != "channel" and self.cleaned_data.get(name) not in (None, "")
        }
        if self.cleaned_data.get("repeat_of_reference"):
            data["repeat_of"] = self.cleaned_data["repeat_of_reference"]
        return data


class FirstContactForm(forms.Form):
    """The registration form's "Resolved at first contact" section (prefix ``first_contact``):
    the complaint settled on the call, classified, resolved and maybe followed up at once."""

    resolved = forms.BooleanField(
        label=_("Resolved at first contact"),
        required=False,
        help_text=_(
            "The complaint was settled during this contact: it is registered, classified in your "
            "department, assigned to you and resolved in one step."
        ),
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    resolution_summary = forms.CharField(
        label=_("Resolution summary"), required=False, widget=forms.Textarea({"rows": 3})
    )
    root_cause = forms.CharField(
        label=_("Root cause"), required=False, widget=forms.Textarea({"rows": 2})
    )
    substantiated = forms.TypedChoiceField(
        label=_("Substantiated?"),
        choices=[
            ("", "---------"),
            ("true", _("Yes, substantiated")),
            ("false", _("No, not substantiated")),
        ],
        coerce=lambda value: value == "true",
        empty_value=None,
        required=False,
    )
    # The coded root cause (#16), as on the resolve form: required when substantiated.
    cause = CauseChoiceField(
        label=_("Coded root cause"),
        queryset=root_causes.choosable_causes(),
        to_field_name="code",
        required=False,
        help_text=_("Required when the complaint is substantiated."),
    )
    remedy = forms.CharField(
        label=_("Remedy given"), required=False, widget=forms.Textarea({"rows": 2})
    )
    follow_up_outcome = forms.ChoiceField(
        label=_("Is the complainant satisfied?"),
        choices=[("", _("Not asked on the call"))]
        + [(k, v) for k, v in FollowUpOutcome.choices if k != FollowUpOutcome.UNREACHABLE],
        required=False,
        help_text=_("If the complainant said so on the call, the follow-up is recorded too."),
    )

    REQUIRED_WHEN_RESOLVED = ("category", "resolution_summary", "root_cause", "substantiated")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "first_contact")
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("resolved"):
            for name in self.REQUIRED_WHEN_RESOLVED:
                if cleaned.get(name) in (None, ""):
                    self.add_error(name, _("Required for a complaint resolved at first contact."))
            if not self.has_error("cause") and not self.has_error("substantiated"):
                problems = root_causes.resolution_problems(
                    substantiated=cleaned.get("substantiated"), cause=cleaned.get("cause")
                )
                if "cause" in problems:
                    self.add_error("cause", problems["cause"])
        return cleaned

    def resolution(self) -> intake_services.FirstContactResolution | None:
        """What the service needs, or None when the box is not ticked."""
        if not self.cleaned_data.get("resolved"):
            return None
        data = self.cleaned_data
        return intake_services.FirstContactResolution(
            category=data["category"],
            resolution_summary=data["resolution_summary"],
            root_cause=data["root_cause"],
            substantiated=data["substantiated"],
            cause=data.get("cause"),
            remedy=data.get("remedy", ""),
            follow_up_outcome=data.get("follow_up_outcome", ""),
        )


class PublicComplaintForm(ComplainantContactMixin, SubmissionTokenMixin, forms.Form):
    """The public form at /submit/: no login, so it asks only what a complainant can answer."""

    complainant_name = forms.CharField(label=_("Your name"), max_length=120, required=False)
    complainant_phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, help_text=PHONE_HELP
    )
    complainant_email = forms.EmailField(label=_("Email"), required=False, max_length=254)
    complainant_id_number = forms.CharField(
        label=_("Account, card or plate number"), max_length=64, required=False
    )
    complainant_address = forms.CharField(
        label=_("Postal address"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only if you want our answer by letter."),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we answer you?"),
        choices=NO_PREFERENCE + list(ContactChannel.choices),
        required=False,
    )
    subject_description = forms.CharField(
        label=_("Who or what is your complaint about?"), max_length=200, required=False
    )
    category = forms.ModelChoiceField(
        label=_("Topic"), queryset=Category.objects.none(), required=False
    )
    description = forms.CharField(label=_("What happened?"))  # replaced in __init__
    request = forms.CharField(
        label=_("What would you like us to do?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    attachments = EvidenceField(label=_("Evidence (photos, receipts, documents)"))
    consent = forms.BooleanField(
        label=_(
            "I agree that the organisation stores the details above, and shares them with the "
            "staff who handle my complaint, to investigate it and reply to me. My identity is "
            "kept from the unit I complain about if I ask for that."
        ),
    )
    confidential = forms.BooleanField(
        label=_("Keep my identity from the unit I complain about"), required=False
    )
    # Honeypot: hidden from people by CSS, filled in by form-stuffing bots.
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = leaf_categories()
        # Built here, not in the class body, so the limits follow the settings at request time.
        self.fields["description"] = forms.CharField(
            label=_("What happened?"),
            widget=forms.Textarea(attrs={"rows": 6}),
            max_length=settings.REDRESS_PUBLIC_MAX_DESCRIPTION,
        )
        self.fields["attachments"].help_text = _(
            "Up to %(files)s files (PDF, images, audio, office documents, text), %(size)s each."
        ) % {
            "files": settings.REDRESS_PUBLIC_MAX_FILES,
            "size": filesizeformat(settings.REDRESS_UPLOAD_MAX_BYTES),
        }
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if not self.is_bound:
            self.initial.setdefault("submission_token", new_token())

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("complainant_phone") or cleaned.get("complainant_email")):
            raise ValidationError(
                _("Give a phone number or an email address so that we can answer you.")
            )
        return cleaned

    def registration_fields(self) -> dict:
        skip = {"attachments", "consent", "website", "submission_token", "description"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and v not in (None, "")}


class TrackForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=20)
    tracking_code = forms.CharField(label=_("Tracking code"), max_length=20, required=False)
    contact = forms.CharField(
        label=_("…or the phone number or email you gave"), max_length=254, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("tracking_code") or cleaned.get("contact")):
            raise ValidationError(
                _("Enter the tracking code, or the phone number or email you gave us.")
            )
        return cleaned


class AppealForm(SubmissionTokenMixin, forms.Form):
    description = forms.CharField(
        label=_("Why do you disagree with the outcome?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
    )
    request = forms.CharField(
        label=_("What would you like us to do?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )
    attachments = EvidenceField(label=_("Evidence"))


class DuplicateActionForm(forms.Form):
    """On a registered complaint: merge it into an open duplicate, or link it as a repeat."""

    ACTIONS = [("merge", _("Merge into")), ("repeat", _("Link as a repeat of"))]

    action = forms.ChoiceField(choices=ACTIONS)
    target = forms.CharField(max_length=20)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, user=None, complaint=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.complaint = complaint

    def clean_target(self):
        target = _complaint_by_reference(
            visible_for_lookup(self.user),
            self.cleaned_data.get("target"),
            message=_("No complaint you can see has this reference."),
        )
        if target is not None and self.complaint is not None and target.pk == self.complaint.pk:
            raise ValidationError(_("Choose another complaint."))
        return target
