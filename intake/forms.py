"""Intake forms: what staff fill in when a complaint arrives by phone, counter, letter or
transfer."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Channel, Complaint

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


class StaffRegistrationForm(forms.ModelForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=STAFF_CHANNELS)

    class Meta:
        model = Complaint
        fields = [
            "channel",
            "complainant_name",
            "complainant_phone",
            "complainant_email",
            "complainant_id_number",
            "complainant_language",
            "confidential",
            "subject_department",
            "subject_description",
            "description",
            "request",
            "priority",
            "promised_reply_at",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "request": forms.Textarea(attrs={"rows": 2}),
            "promised_reply_at": forms.DateTimeInput(attrs={"type": "datetime-local"}),
        }

    def clean(self):
        cleaned = super().clean()
        contact = [
            cleaned.get(f)
            for f in (
                "complainant_phone",
                "complainant_email",
                "complainant_id_number",
                "complainant_name",
            )
        ]
        if not any(contact):
            raise forms.ValidationError(
                _("Record at least one way to identify or reach the complainant.")
            )
        return cleaned
