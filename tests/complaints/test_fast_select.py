"""``filters.FastSelect`` writes exactly what Django's select templates write (#18)."""

from __future__ import annotations

import pytest
from django import forms
from django.utils.safestring import mark_safe

from complaints.filters import ComplaintFilter, FastSelect

CHOICES = [
    ("", "Any <state>"),
    ("a", 'Ä & "quoted"'),
    (3, "three"),
    ("Group", [("g1", "One"), ("g2", mark_safe("<b>Two</b>"))]),
]


@pytest.mark.parametrize("value", [None, "", "a", "3", "g2", ["a", "g1"]])
@pytest.mark.parametrize(
    "attrs", [None, {"class": "form-select", "data-x": '"<>', "disabled": True, "hidden": False}]
)
def test_same_html_as_django(value, attrs):
    ours = FastSelect(attrs=attrs, choices=CHOICES).render("state", value, {"id": "id_state"})
    django = forms.Select(attrs=attrs, choices=CHOICES).render("state", value, {"id": "id_state"})
    assert ours == django


@pytest.mark.django_db
def test_the_list_filters_render_as_django_would(gm):
    form = ComplaintFilter({"state": "open", "assignee": "null"}).form
    for name, field in form.fields.items():
        if isinstance(field.widget, FastSelect):
            slow = forms.Select(attrs=field.widget.attrs, choices=field.widget.choices)
            bound = form[name]
            assert bound.as_widget() == bound.as_widget(widget=slow), name


@pytest.mark.django_db
def test_the_bulk_form_renders_as_django_would(manager):
    from complaints.bulk import BulkForm

    fast, slow = BulkForm(user=manager), BulkForm(user=manager)
    for field in slow.fields.values():  # the same form as Django's own widgets write it
        if isinstance(field.widget, FastSelect):
            field.widget.__class__ = forms.Select
    assert any(isinstance(field.widget, FastSelect) for field in fast.fields.values())
    assert not any(isinstance(field.widget, FastSelect) for field in slow.fields.values())
    for name in fast.fields:
        assert str(fast[name]) == str(slow[name]), name
