"""The forms of the complaint page's modals: one per lifecycle move open to the user (its
fields, the version they saw) and one per record they may add (note, contact, file), and
their HTML.

crispy renders a form through a template per field, about a millisecond a field: rendering the
five or so modals of a complaint page took half of its time. The HTML of a blank form is the
same on every complaint but for its hidden inputs (the version the user saw), so the visible
part is kept per process, under a key made of everything that HTML depends on (_form_key), and
the hidden inputs are rendered per page. A form with the user's input and errors is rendered
in full, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from complaints import rules, selectors, services
from complaints.forms import RECORD_FORMS, TRANSITION_FORMS, AssignForm, VersionedForm
from complaints.models import Complaint

# The records a handler may add from the page, each with the permission it needs.
RECORD_PERMISSIONS = (
    ("note", "add_note"),
    ("communication", "add_communication"),
    ("attachment", "add_attachment"),
)


def transition_form(name: str, complaint: Complaint, data=None) -> VersionedForm:
    form_class = TRANSITION_FORMS[name]
    kwargs: dict[str, Any] = {
        "data": data,
        "initial": {"expected_version": complaint.version},
        # Several forms share field names (reason...): unique element ids per form, while the
        # posted names stay the service's keyword arguments.
        "auto_id": f"id_{name}_%s",
    }
    if form_class is AssignForm:
        kwargs["complaint"] = complaint
    return form_class(**kwargs)


def record_form(name: str) -> forms.Form:
    return RECORD_FORMS[name](auto_id=f"id_{name}_%s")


def transition_label(complaint: Complaint, name: str) -> str:
    fsm_transition = getattr(Complaint, name)._django_fsm.get_transition(complaint.state)
    label = (fsm_transition.custom or {}).get("label") if fsm_transition else None
    return str(label or name)


def transition_modals(
    complaint: Complaint, user, posted: tuple[str, forms.Form] | None
) -> list[dict[str, Any]]:
    """The lifecycle moves open to ``user`` (none for a reader), each with its form: the
    ``posted`` one as it was posted, the others blank at the complaint's version."""
    if not selectors.may_write(user):
        return []
    posted_name, posted_form = posted if posted else (None, None)
    modals = []
    for name in services.available_transitions(complaint, user):
        form = posted_form if name == posted_name else transition_form(name, complaint)
        modals.append(
            {
                "name": name,
                "label": transition_label(complaint, name),
                "form": form,
                "html": form_html(form, partial(transition_form, name, complaint)),
            }
        )
    return modals


def record_modals(
    complaint: Complaint, user, posted: tuple[str, forms.Form] | None
) -> list[dict[str, Any]]:
    """The records ``user`` may add (only a writer who handles the complaint, each with its
    permission), each with its form: the ``posted`` one as it was posted."""
    if not (selectors.may_write(user) and rules.handles(complaint, user)):
        return []
    posted_name, posted_form = posted if posted else (None, None)
    modals = []
    for key, perm in RECORD_PERMISSIONS:
        if user.has_perm(f"complaints.{perm}"):
            form = posted_form if key == posted_name else record_form(key)
            modals.append(
                {"name": key, "form": form, "html": form_html(form, partial(record_form, key))}
            )
    return modals


_FORM_HTML: dict[tuple, str] = {}
_FORM_HTML_LIMIT = 256  # keys are few (forms × languages × choice lists); a bound, not an LRU


def form_html(form: forms.Form, blank: Callable[[], forms.Form]) -> str:
    """The HTML of a modal's ``form``, as ``{{ form|crispy }}`` renders it. ``blank`` makes a
    fresh copy of the unbound form, rendered without its hidden inputs when the HTML of its
    visible fields is not yet kept."""
    if form.is_bound:
        return as_crispy_form(form)
    visible_fields = {
        name: form_field
        for name, form_field in form.fields.items()
        if not form_field.widget.is_hidden
    }
    # A model field's choices are read from the database on every page (one query each, as
    # rendering them would cost), so a new handler or category is offered at once.
    choices = {
        name: _choices(form_field)
        for name, form_field in visible_fields.items()
        if isinstance(form_field, forms.ChoiceField)
    }
    key = _form_key(form, visible_fields, choices)
    visible = _FORM_HTML.get(key)
    if visible is None:
        copy = blank()
        for name in list(copy.fields):
            if name not in visible_fields:
                del copy.fields[name]
            elif name in choices:
                copy.fields[name].choices = choices[name]  # as read for the key: no new query
        visible = as_crispy_form(copy)
        if len(_FORM_HTML) >= _FORM_HTML_LIMIT:
            _FORM_HTML.clear()
        _FORM_HTML[key] = visible
    # crispy renders a hidden field as the bare input; the version field comes first anyway.
    hidden = "".join(str(bound) for bound in form.hidden_fields())
    return mark_safe(hidden + visible)  # noqa: S308 - both parts are HTML rendered by Django


def _choices(form_field: forms.ChoiceField) -> list:
    if isinstance(form_field, forms.ModelChoiceField):
        # What ModelChoiceIterator yields, from one plain query (iterating it would open a
        # server-side cursor: three round trips).
        iterator = form_field.choices
        choices = [("", form_field.empty_label)] if form_field.empty_label is not None else []
        return choices + [iterator.choice(obj) for obj in form_field.queryset]
    return list(form_field.choices)


def _form_key(form: forms.Form, visible_fields: dict, choices: dict) -> tuple:
    """Everything the HTML of an unbound form's visible fields depends on: its class, ids and
    CSS class, the language, and per field its type, label, help text, widget and attributes,
    initial value and choices."""
    fields = tuple(
        (
            name,
            type(form_field),
            type(form_field.widget),
            str(form_field.label),
            str(form_field.help_text),
            form_field.required,
            form_field.disabled,
            form_field.localize,
            tuple(sorted((attr, str(value)) for attr, value in form_field.widget.attrs.items())),
            repr(form.get_initial_for_field(form_field, name)),
            _plain(choices.get(name, ())),
        )
        for name, form_field in visible_fields.items()
    )
    return (
        type(form),
        form.auto_id,
        form.prefix,
        form.label_suffix,
        form.use_required_attribute,
        getattr(form, "required_css_class", None),  # optional, as BoundField reads it
        get_language(),
        fields,
    )


def _plain(choices) -> tuple:
    """Choices (perhaps grouped, with lazy labels) as nested tuples of strings."""
    return tuple(
        (str(value), _plain(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    )
