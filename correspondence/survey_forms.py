"""The public survey's one form: the complainant's answer and an optional comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import FollowUpOutcome

COMMENT_MAX = 1000

# "Unreachable" is the handler's outcome after failed calls; someone answering has been reached.
CHOICES = [
    (FollowUpOutcome.SATISFIED.value, _("Satisfied")),
    (FollowUpOutcome.BASICALLY_SATISFIED.value, _("Basically satisfied")),
    (FollowUpOutcome.DISSATISFIED.value, _("Dissatisfied")),
]


class SurveyForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Are you satisfied with how we handled your complaint?"),
        choices=CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the three answers.")},
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX}),
    )

    def clean_comment(self) -> str:
        return self.cleaned_data["comment"].strip()
