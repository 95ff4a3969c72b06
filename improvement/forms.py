"""Forms of the corrective-action pages. They reject bad input (400); the services decide state
and permission."""

from __future__ import annotations

import re

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from complaints.datebounds import BoundedDateField
from complaints.models import Department, RootCause, Tier
from complaints.people import display_name
from complaints.selectors import complaints_visible_to
from complaints.uploads import check_upload

MAX_LINKED = 200


class VersionedForm(forms.Form):
    """Every action form carries the version the user saw, so a stale copy is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return display_name(obj)


def staff_people():
    """Who may own an action: active staff with a handling tier."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True, staff_profile__tier__in=[Tier.FRONTLINE, Tier.MANAGER, Tier.GM]
        )
        .order_by("username")
    )


class ComplaintReferencesField(forms.CharField):
    """Complaint references separated by commas, spaces or new lines; cleaned into the
    complaints the user can see (``for_user`` is set by the form)."""

    for_user = None

    def clean(self, value):
        value = super().clean(value)
        references = [r for r in re.split(r"[\s,;]+", value or "") if r]
        references = list(dict.fromkeys(r.upper() for r in references))
        if len(references) > MAX_LINKED:
            raise forms.ValidationError(
                _("Link at most %(max)s complaints at a time.") % {"max": MAX_LINKED}
            )
        if not references:
            return []
        found = list(
            complaints_visible_to(self.for_user)
            .filter(reference__in=references)
            .only("pk", "reference", "state")
        )
        missing = sorted(set(references) - {c.reference for c in found})
        if missing:
            raise forms.ValidationError(
                _("No complaint you can see has the reference %(refs)s.")
                % {"refs": ", ".join(missing)}
            )
        return found


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    cause = forms.ModelChoiceField(
        label=_("Root cause"),
        queryset=RootCause.objects.filter(active=True).select_related("parent"),
        to_field_name="code",
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.filter(active=True)
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=staff_people())
    due_on = BoundedDateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    complaints = ComplaintReferencesField(
        label=_("Complaints"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("References of the complaints this action addresses, separated by commas."),
    )

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["complaints"].for_user = user


class EditForm(VersionedForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=staff_people())
    due_on = BoundedDateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=500)


class StartForm(VersionedForm):
    reason = forms.CharField(label=_("Note"), required=False, max_length=500)


class CompleteForm(VersionedForm):
    evidence = forms.CharField(
        label=_("Evidence of completion"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done, and where the proof is (document, training record...)."),
    )
    evidence_file = forms.FileField(label=_("Evidence file"), required=False)

    def clean_evidence_file(self):
        uploaded = self.cleaned_data.get("evidence_file")
        if uploaded:
            check_upload(uploaded)  # size and type, as for complaint attachments
        return uploaded


class VerifyForm(VersionedForm):
    note = forms.CharField(
        label=_("How the effect was checked"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CancelForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class LinkForm(VersionedForm):
    complaints = ComplaintReferencesField(label=_("Complaint references"))

    def __init__(self, *args, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["complaints"].for_user = user


TRANSITION_FORMS = {
    "start": StartForm,
    "complete": CompleteForm,
    "verify": VerifyForm,
    "cancel": CancelForm,
}
