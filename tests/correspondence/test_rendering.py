"""The sandbox templates render in: what a template may name, and what comes out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import translation

from complaints import services
from complaints.models import State
from correspondence import rendering


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are compared in English; one test below reads the Chinese ones."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def render(body: str, context: dict, *, subject: str = "", language: str = "en"):
    return rendering.render(
        subject=subject, body=body, context=context, language=language, html=True
    )


def test_html_part_escapes_variables_and_plain_text_keeps_them_as_written():
    context = {"complainant_name": '<b>Li</b> & "Co"', "reference": "C-2026-000001"}

    out = render("Dear {{ complainant_name }},\n\nYour complaint {{ reference }}.", context)

    assert out.text == 'Dear <b>Li</b> & "Co",\n\nYour complaint C-2026-000001.'
    assert "&lt;b&gt;Li&lt;/b&gt; &amp; &quot;Co&quot;" in out.html
    assert "<b>" not in out.html
    assert out.html.startswith("<p>") and "<p>Your complaint C-2026-000001.</p>" in out.html


def test_plain_text_only_has_no_html_part():
    out = rendering.render(
        subject="", body="{{ reference }}", context={"reference": "R"}, language="en"
    )
    assert (out.text, out.html) == ("R", "")


def test_subject_is_one_line_whatever_the_template_or_a_value_holds():
    out = render("x", {"reference": "C-1\nBcc: someone"}, subject="[{{ reference }}]\n Hello")
    assert out.subject == "[C-1 Bcc: someone] Hello"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("{{ nonsense }}", "Unknown variable nonsense"),
        ("{{ reference|default:password }}", "Unknown variable password"),
        ("{% if secret %}x{% endif %}", "Unknown variable secret"),
        ("{% if reference and not secret %}x{% endif %}", "Unknown variable secret"),
        ("{% for x in secrets %}{{ x }}{% endfor %}", "Unknown variable secrets"),
        ("{% with x=secret %}{{ x }}{% endwith %}", "Unknown variable secret"),
        ("{% firstof secret reference %}", "Unknown variable secret"),
        ("{% include 'base.html' %}", "{% include %} cannot be used"),
        ("{% load static %}", "{% load %} cannot be used"),
        ("{% extends 'base.html' %}", "{% extends %} cannot be used"),
        ("{% debug %}", "{% debug %} cannot be used"),
        ("{% url 'admin:index' %}", "{% url %} cannot be used"),
        ("{% now 'Y' %}", "{% now %} cannot be used"),
        ("{% autoescape off %}{{ reference }}{% endautoescape %}", "{% autoescape %}"),
        ("{{ reference|safe }}", "filter “safe” cannot be used"),
        ("{{ reference|urlize }}", "filter “urlize” cannot be used"),
        ("{{ reference.__class__ }}", "may not begin with underscores"),
        ("{{ reference.upper }}", "a variable has no attributes"),
        ("{{ handler.password }}", "a variable has no attributes"),
        ("{% if reference %}unclosed", "The template has an error"),
        ("{{ reference|nosuchfilter }}", "The template has an error"),
    ],
)
def test_validate_refuses_what_the_sandbox_does_not_allow_and_names_it(text, problem):
    with pytest.raises(ValidationError) as refused:
        rendering.validate(text)
    assert problem in " ".join(refused.value.messages)


def test_unknown_variable_message_lists_the_variables_to_use_instead():
    with pytest.raises(ValidationError) as refused:
        rendering.validate("{{ x }}")
    message = refused.value.messages[0]
    assert all(name in message for name in rendering.VARIABLES)


@pytest.mark.parametrize(
    "text",
    [
        "Dear {{ complainant_name|default:'customer' }}, {{ reference|upper }}",
        "{% if reason %}Reason: {{ reason }}{% else %}-{% endif %}",
        "{% for ch in reference %}{{ forloop.counter }}{{ ch }}{% endfor %}",
        "{% with when=new_due_date %}{{ when }}{% endwith %}",
        "{% firstof new_due_date resolution_due_date 'soon' %}",
        "{% comment %}a note for editors{% endcomment %}{{ track_url }}",
        '{% if follow_up_outcome == "不满意" %}x{% endif %}',
    ],
)
def test_validate_accepts_the_known_variables_tags_and_filters(text):
    rendering.validate(text)


def test_context_holds_plain_strings_for_exactly_the_known_variables(make_complaint):
    complaint = make_complaint(State.CLOSED)

    context = rendering.context_for(complaint, language="en")

    assert set(context) == set(rendering.VARIABLES)
    assert all(type(value) is str for value in context.values())
    assert context["reference"] == complaint.reference
    assert context["handler"] == "frontline"
    assert context["decision"] == "Apologised and retrained the agent"


def test_extra_values_are_formatted_and_unknown_keys_dropped(make_complaint):
    complaint = make_complaint()

    context = rendering.context_for(
        complaint,
        language="zh-hans",
        extra={"new_due_date": dt.date(2027, 2, 5), "reason": None, "password": "x"},
    )

    assert context["new_due_date"] == "2027年2月5日"
    assert context["reason"] == ""
    assert "password" not in context


@pytest.mark.parametrize(
    "moment, deadline",
    [
        # 00:30 in Shanghai is still the previous day in UTC: the window counts local days.
        ("2027-01-01T00:30+08:00", "Jan. 31, 2027"),
        ("2026-12-31T23:30+08:00", "Jan. 30, 2027"),
    ],
)
def test_refusal_context_gives_the_ground_and_the_local_appeal_deadline(
    make_complaint, manager, settings, moment, deadline
):
    settings.REDRESS_REFUSAL_APPEAL_DAYS = 30
    with time_machine.travel(moment, tick=False):
        complaint = make_complaint()
        complaint = services.reject(
            complaint, by=manager, reason_code="outside_remit", explanation="Ask the court."
        )
        context = rendering.context_for(complaint, language="en")

    assert context["appeal_deadline"] == deadline
    assert context["appeal_window_days"] == "30"
    assert context["reason"].endswith(": Ask the court.")
    assert len(context["reason"]) > len(": Ask the court.")


def test_sample_context_fills_every_variable_with_invented_values():
    for language in ("zh-hans", "en"):
        sample = rendering.sample_context(language)
        assert set(sample) == set(rendering.VARIABLES)
        assert all(value for value in sample.values())
    assert rendering.sample_context("en")["complainant_name"] == "Jane Doe"
