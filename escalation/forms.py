"""Forms of the escalation pages; ``cleaned_data`` maps onto the service's keyword arguments."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.datebounds import BoundedDateTimeField
from escalation.models import ManualReason, PauseReason

DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EscalateForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    reason_code = forms.ChoiceField(label=_("Why"), choices=ManualReason.choices)
    explanation = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    tell_complainant = forms.BooleanField(
        label=_("Tell the complainant that a manager now handles it"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason_code") == ManualReason.OTHER and not cleaned.get("explanation"):
            self.add_error("explanation", _("Explain why, when the reason is “other”."))
        return cleaned


class PauseForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Waiting for"), choices=PauseReason.choices)
    until = BoundedDateTimeField(
        label=_("Until (planned)"),
        widget=DATETIME_WIDGET,
        help_text=_("The clock restarts on its own then, if nobody restarts it before."),
    )
    note = forms.CharField(
        label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_until(self):
        until = self.cleaned_data["until"]
        if until <= timezone.now():
            raise ValidationError(_("The planned end must be in the future."))
        return until

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason_code") == PauseReason.OTHER and not cleaned.get("note"):
            self.add_error("note", _("Explain why, when the reason is “other”."))
        return cleaned


class ExtensionForm(forms.Form):
    proposed_due_at = BoundedDateTimeField(
        label=_("New resolution deadline"), widget=DATETIME_WIDGET
    )
    reason = forms.CharField(
        label=_("Why more time is needed"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_proposed_due_at(self):
        proposed = self.cleaned_data["proposed_due_at"]
        if proposed <= timezone.now():
            raise ValidationError(_("The new deadline must be in the future."))
        return proposed


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyApprovalForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Remedy amount"), min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )
    justification = forms.CharField(
        label=_("Why this remedy"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RemedyRefusalForm(forms.Form):
    note = forms.CharField(
        label=_("Why not"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
