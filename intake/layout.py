"""How the staff registration form is laid out (crispy-forms): the sections an agent on the
phone works through, and the foldable part for fields seldom needed. Which fields exist and how
they are checked stays in ``intake.forms``; this module only places them."""

from __future__ import annotations

from crispy_forms.layout import Column, Fieldset, Layout, LayoutObject, Row
from crispy_forms.utils import TEMPLATE_PACK
from django import forms
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _


def _filled_or_wrong(bound: forms.BoundField) -> bool:
    if bound.errors:
        return True
    value = bound.value()
    if isinstance(bound.field, forms.FileField) and bound.form.is_bound:
        value = bound.data  # value() is always empty for files: browsers never refill them
    if isinstance(value, list | tuple):
        return any(value)
    return value not in (None, "", False)


class Collapsible(LayoutObject):
    """Fields an agent seldom needs, folded into a ``<details>`` so the form stays short on the
    phone. It opens by itself when one of its fields holds a value or an error: nothing typed and
    nothing to correct is ever hidden. The fieldset inside keeps a (visually hidden) legend, so a
    screen reader names the group when the focus enters it."""

    def __init__(self, legend, *fields, css_id: str, css_class: str = ""):
        self.legend = legend
        self.fields = list(fields)
        self.css_id = css_id
        self.css_class = css_class

    def render(self, form, context, template_pack=TEMPLATE_PACK, **kwargs):
        rendered = self.get_rendered_fields(form, context, template_pack, **kwargs)
        names = [pointer.name for pointer in self.get_field_names()]
        is_open = any(_filled_or_wrong(form[name]) for name in names if name in form.fields)
        return format_html(
            '<details id="{}" class="register-optional {}"{}><summary>{}</summary>'
            '<fieldset><legend class="visually-hidden">{}</legend>{}</fieldset></details>',
            self.css_id,
            self.css_class,
            mark_safe(" open") if is_open else "",
            self.legend,
            self.legend,
            rendered,
        )


def _half(*names: str) -> Row:
    """Short fields side by side on a wide screen, one under the other on a phone."""
    return Row(*(Column(name, css_class="col-md-6") for name in names))


def registration_layout() -> Layout:
    """The staff registration form in the order an agent on the phone works: who is calling,
    what happened, then how it is handled; rarely needed parts folded away."""
    section = "register-section border rounded p-2 p-md-3 mb-3"
    return Layout(
        "submission_token",
        Fieldset(
            _("Complainant"),
            _half("complainant_name", "complainant_id_number"),
            _half("complainant_phone", "complainant_email"),
            "complainant_address",
            _half("preferred_channel", "complainant_language"),
            "confidential",
            css_id="section-complainant",
            css_class=section,
        ),
        Fieldset(
            _("The complaint"),
            _half("channel", "received_at"),
            "description",
            "request",
            Collapsible(
                _("Unit or person complained about"),
                _half("subject_department", "subject_person"),
                "subject_description",
                css_id="section-subject",
                css_class="mb-3",
            ),
            css_id="section-complaint",
            css_class=section,
        ),
        Fieldset(
            _("Handling"),
            _half("category", "priority"),
            _half("promised_reply_at"),
            Collapsible(
                _("Link to an earlier complaint"),
                _half("repeat_of_reference", "merge_into_reference"),
                _half("appeal_of_reference"),
                css_id="section-links",
                css_class="mb-3",
            ),
            css_id="section-handling",
            css_class=section,
        ),
        Collapsible(
            _("Attachments"),
            "attachments",
            css_id="section-attachments",
            css_class=section,
        ),
    )
