"""Forms of the report and audit pages (all GET: they choose what to read, never change it)."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from complaints import actions
from complaints.datebounds import BoundedDateField
from complaints.models import Attachment, Communication, Complaint, Department, Note
from reporting.months import Month


class MonthInput(forms.DateInput):
    input_type = "month"


class MonthPickerForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        widget=MonthInput(attrs={"class": "form-control"}),
        error_messages={"required": _("Choose a month, as YYYY-MM.")},
    )
    department = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_month(self) -> Month:
        try:
            return Month.parse(self.cleaned_data["month"])
        except ValueError as exc:
            raise forms.ValidationError(_("Choose a month, as YYYY-MM.")) from exc


def _field_choices() -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for model in (Complaint, Note, Communication, Attachment):
        for f in model._meta.concrete_fields:
            if f.attname in ("id", "version", "updated_at", "created_at") or not f.editable:
                continue
            seen.setdefault(f.attname, capfirst(str(f.verbose_name)))
    for name in ("state", "reference"):
        seen.setdefault(name, capfirst(str(Complaint._meta.get_field(name).verbose_name)))
    return [("", "—")] + sorted(seen.items(), key=lambda item: item[1])


class AuditFilterForm(forms.Form):
    user = forms.CharField(label=_("User name"), required=False, max_length=150)
    since = BoundedDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = BoundedDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), required=False
    )
    action = forms.ChoiceField(label=_("Action"), required=False)
    field = forms.ChoiceField(label=_("Field changed"), required=False)
    reference = forms.CharField(label=_("Complaint reference"), required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "—")] + [
            (key, str(label)) for key, label in actions.TITLES.items()
        ]
        self.fields["field"].choices = _field_choices()
        for bound in self.fields.values():
            bound.widget.attrs.setdefault(
                "class", "form-select" if isinstance(bound, forms.ChoiceField) else "form-control"
            )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date is after the end date."))
        return cleaned


class RecurringCausesForm(forms.Form):
    """The recurring-causes page's window: the last 30, 90, 180 or 365 days."""

    days = forms.TypedChoiceField(
        label=_("Resolved in the last"),
        coerce=int,
        required=False,
        choices=[
            (30, _("30 days")),
            (90, _("90 days")),
            (180, _("180 days")),
            (365, _("365 days")),
        ],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    department = forms.CharField(required=False, widget=forms.HiddenInput)
