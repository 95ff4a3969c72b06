"""The 话术库: the default templates, what is refused at save, and who may do what in the admin."""

from __future__ import annotations

import datetime as dt
import re
from importlib import import_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation

from complaints import selectors, services
from complaints.models import State
from correspondence import rendering, survey
from correspondence.models import Channel, Message, MessageTemplate, Purpose, SmsOptOut
from correspondence.sms import policy

DEFAULTS = import_module("correspondence.migrations.0002_default_templates").TEMPLATES
LANGUAGES = ["zh-hans", "en"]
ON_EVERY_CHANNEL = ["acknowledgement", "acceptance", "refusal", "extension", "decision"]
EMAIL_AND_SMS = ["escalation", "survey", "follow_up"]
pytestmark = pytest.mark.django_db

ADD_URL = "/admin/correspondence/messagetemplate/add/"
LIST_URL = "/admin/correspondence/messagetemplate/"


@pytest.fixture(autouse=True)
def english(settings):
    """Messages are compared in English; one test below reads the Chinese ones."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def change_url(template: MessageTemplate) -> str:
    return f"{LIST_URL}{template.pk}/change/"


def event_complaint(make_complaint, manager, purpose: str):
    """A complaint at the point of the lifecycle where ``purpose`` is sent."""
    if purpose == Purpose.REFUSAL:
        complaint = make_complaint()
        return services.reject(
            complaint, by=manager, reason_code="outside_remit", explanation="已进入诉讼程序。"
        )
    if purpose in (Purpose.ACKNOWLEDGEMENT,):
        return make_complaint()
    if purpose in (Purpose.ACCEPTANCE, Purpose.EXTENSION, Purpose.ESCALATION):
        return make_complaint(State.ASSIGNED)
    if purpose in (Purpose.DECISION, Purpose.SURVEY):
        return make_complaint(State.RESOLVED)
    return make_complaint(State.CLOSED)


def event_extra(complaint, purpose: str) -> dict:
    extra = {"tracking_code": complaint.tracking_code}
    if purpose == Purpose.EXTENSION:
        extra.update(reason="需要调取通话录音核实。", new_due_date=dt.date(2026, 9, 30))
    if purpose == Purpose.SURVEY:
        extra["survey_url"] = survey.link_for(complaint)
    return extra


# --- the defaults ------------------------------------------------------------------------------


def test_every_automatic_notice_has_a_default_on_its_channels_in_both_languages(db):
    installed = set(
        MessageTemplate.objects.filter(active=True).values_list("purpose", "channel", "language")
    )
    for language in LANGUAGES:
        for purpose in ON_EVERY_CHANNEL:
            for channel in ("email", "sms", "letter"):
                assert (purpose, channel, language) in installed
        for purpose in EMAIL_AND_SMS:
            for channel in ("email", "sms"):
                assert (purpose, channel, language) in installed
        snippets = MessageTemplate.objects.filter(purpose="reply", language=language)
        assert snippets.filter(channel="email").count() >= 3
        assert snippets.filter(channel="sms").count() >= 3
    assert MessageTemplate.objects.count() == len(DEFAULTS)


def test_every_default_starts_its_history_with_where_it_came_from(db):
    template = MessageTemplate.objects.get(purpose="acceptance", channel="letter", language="en")
    first = template.history.earliest()
    assert first.history_type == "+"
    assert "0002" in first.history_change_reason


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_default_validates_and_renders_for_a_real_complaint(
    make_complaint, manager, language, settings
):
    settings.REDRESS_ORGANISATION_NAME = "某市政务服务中心"
    for template in MessageTemplate.objects.filter(language=language):
        template.full_clean()  # what the admin runs on save
        complaint = event_complaint(make_complaint, manager, template.purpose)
        context = rendering.context_for(
            complaint, language=language, extra=event_extra(complaint, template.purpose)
        )
        out = rendering.render(
            subject=template.subject,
            body=template.body,
            context=context,
            language=language,
            html=template.channel == Channel.EMAIL,
        )
        where = f"{template.name} ({template.channel})"
        assert complaint.reference in out.text, where
        assert "{" not in out.text and "}" not in out.text, where
        # An empty variable would leave its frame behind: "（即前）", "by .", "：\n".
        assert "（即前）" not in out.text and " by ." not in out.text, where
        if template.channel != Channel.SMS:
            assert out.subject, where
        if template.channel == Channel.EMAIL:
            assert out.html.startswith("<p>"), where
        if template.channel == Channel.LETTER:
            assert "某市政务服务中心" in out.text, where
            with translation.override(language):
                today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
            assert out.text.endswith(today), where
            assert out.subject == template.subject, where  # the title is the subject as written


def test_refusal_letter_states_the_reason_and_the_right_to_ask_for_a_review(
    make_complaint, manager, settings
):
    settings.REDRESS_REFUSAL_APPEAL_DAYS = 15
    complaint = event_complaint(make_complaint, manager, Purpose.REFUSAL)
    template = MessageTemplate.objects.get(purpose="refusal", channel="letter", language="zh-hans")

    out = rendering.render(
        subject=template.subject,
        body=template.body,
        context=rendering.context_for(complaint, language="zh-hans"),
        language="zh-hans",
    )

    assert out.subject == "不予受理告知书"
    assert "不予受理的理由：" in out.text and "已进入诉讼程序。" in out.text
    assert "15日内" in out.text and "申请复查" in out.text
    deadline = rendering.context_for(complaint, language="zh-hans")["appeal_deadline"]
    assert deadline and f"（即{deadline}前）" in out.text


def test_feedback_email_says_a_dissatisfied_answer_goes_back_to_the_handler(make_complaint):
    complaint = make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    for language, expected in (
        ("zh-hans", "重新交由经办人员办理"),
        ("en", "goes back to its handler"),
    ):
        template = MessageTemplate.objects.get(
            purpose="follow_up", channel="email", language=language
        )
        out = rendering.render(
            subject=template.subject,
            body=template.body,
            context=rendering.context_for(complaint, language=language),
            language=language,
        )
        assert expected in out.text


@pytest.mark.parametrize("signature", ["某市政务服务热线中心", "Redress HQ"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_sms_defaults_fit_in_two_segments_with_a_ten_character_signature(
    make_complaint, manager, settings, language, signature
):
    settings.REDRESS_SMS_SIGNATURE = signature
    # The longest dates either language writes (September: "Sept. 30, 2026").
    longest = dt.date(2026, 9, 30)
    for template in MessageTemplate.objects.filter(language=language, channel=Channel.SMS):
        complaint = event_complaint(make_complaint, manager, template.purpose)
        extra = event_extra(complaint, template.purpose)
        extra.update(resolution_due_date=longest, new_due_date=longest, accepted_date=longest)
        context = rendering.context_for(complaint, language=language, extra=extra)
        out = rendering.render(subject="", body=template.body, context=context, language=language)
        sent = policy.compose(out.text, language=language)
        # The extension gives the manager's reason in their words: it may take the third
        # segment REDRESS_SMS_MAX_SEGMENTS allows by default.
        # So may the survey's signed link (about 65 characters).
        allowed = 3 if template.purpose in (Purpose.EXTENSION, Purpose.SURVEY) else 2
        if language == "en" and not signature.isascii():
            # English under a Chinese signature is billed as UCS-2, 67 characters a segment:
            # a link and the opt-out hint take most of two.
            allowed = 3
        assert policy.segments(sent) <= allowed, f"{template.name}: {len(sent)} {sent}"
        assert complaint.reference in sent


# --- validation at save, through the admin ------------------------------------------------------


def template_form(**overrides) -> dict:
    data = {
        "name": "Test reply",
        "purpose": "reply",
        "channel": "email",
        "language": "en",
        "subject": "[{{ reference }}] About your complaint",
        "body": "Dear {{ complainant_name }},\n\nWe are on it.",
        "active": "on",
        "_save": "Save",
    }
    data.update(overrides)
    return data


def test_general_manager_adds_a_template_in_the_admin_with_history(client, gm):
    client.force_login(gm)

    response = client.post(ADD_URL, template_form())

    assert response.status_code == 302
    template = MessageTemplate.objects.get(name="Test reply")
    assert template.history.get().history_user == gm


@pytest.mark.parametrize(
    "field, text, message",
    [
        ("body", "Hello {{ password }}", "Unknown variable password"),
        ("body", "{% include 'emails/acceptance-body.txt' %}", "{% include %} cannot be used"),
        ("body", "{% load static %}{% static 'x' %}", "{% load %} cannot be used"),
        ("body", "{{ reference.__class__ }}", "may not begin with underscores"),
        ("body", "{{ handler.email }}", "a variable has no attributes"),
        ("subject", "[{{ reference }}] {{ department.manager }}", "a variable has no attributes"),
        ("body", "{{ reference|safe }}", "filter “safe” cannot be used"),
    ],
)
def test_admin_refuses_a_template_outside_the_sandbox_and_saves_nothing(
    client, gm, field, text, message
):
    client.force_login(gm)
    before = MessageTemplate.objects.count()

    response = client.post(ADD_URL, template_form(**{field: text}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert MessageTemplate.objects.count() == before


def test_admin_refuses_a_changed_template_and_keeps_the_saved_text(client, gm):
    template = MessageTemplate.objects.get(purpose="acceptance", channel="email", language="en")
    body = template.body
    client.force_login(gm)

    response = client.post(
        change_url(template),
        template_form(
            name=template.name,
            purpose="acceptance",
            subject=template.subject,
            body=body + "{{ complainant_phone }}",
        ),
    )

    assert "Unknown variable complainant_phone" in response.content.decode()
    template.refresh_from_db()
    assert template.body == body
    assert template.history.count() == 1


@pytest.mark.parametrize(
    "channel, subject, message",
    [
        ("sms", "A subject", "A text message has no subject"),
        ("email", "", "An email needs a subject"),
        ("letter", "  ", "A letter needs a title"),
    ],
)
def test_subject_is_refused_on_sms_and_required_on_email_and_letters(
    client, gm, channel, subject, message
):
    client.force_login(gm)

    response = client.post(ADD_URL, template_form(channel=channel, subject=subject))

    assert message in response.content.decode()
    assert not MessageTemplate.objects.filter(name="Test reply").exists()


def test_a_second_template_for_an_automatic_notice_is_refused_naming_the_first(client, gm):
    client.force_login(gm)

    response = client.post(
        ADD_URL, template_form(purpose="acceptance", channel="email", language="en")
    )

    assert "“Complaint accepted (email)” is already the template" in response.content.decode()
    assert not MessageTemplate.objects.filter(name="Test reply").exists()


def test_template_page_lists_the_variables_and_shows_a_made_up_sample(client, gm, make_complaint):
    make_complaint(complainant_name="王五")  # a real complaint, which the sample never shows
    template = MessageTemplate.objects.get(
        purpose="acceptance", channel="letter", language="zh-hans"
    )
    client.force_login(gm)

    page = client.get(change_url(template)).content.decode()

    for name in rendering.VARIABLES:
        assert f"<code>{{{{ {name} }}}}</code>" in page
    assert "C-2026-000123" in page and "张三" in page and "受理告知书" in page
    assert "王五" not in page


def test_sms_sample_counts_its_segments(client, gm):
    template = MessageTemplate.objects.get(purpose="acceptance", channel="sms", language="zh-hans")
    client.force_login(gm)

    page = client.get(change_url(template)).content.decode()

    assert "回复TD退订" in page
    assert re.search(r"\d+ (characters|个字符)", page) or "segment" in page


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["frontline", "manager", "auditor"])
def test_other_tiers_read_templates_but_cannot_change_or_add_them(client, request, persona):
    user = request.getfixturevalue(persona)
    template = MessageTemplate.objects.get(purpose="acceptance", channel="email", language="en")
    client.force_login(user)

    assert client.get(LIST_URL).status_code == 200
    page = client.get(change_url(template))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(f"{LIST_URL}{template.pk}/history/").status_code == 200
    response = client.post(change_url(template), template_form(name="Hijacked"))
    assert response.status_code == 403
    assert client.post(ADD_URL, template_form()).status_code == 403
    template.refresh_from_db()
    assert template.name == "Complaint accepted (email)"


@pytest.mark.parametrize("persona", ["gm", "frontline", "auditor"])
def test_nobody_deletes_a_template(client, request, persona):
    template = MessageTemplate.objects.get(purpose="acceptance", channel="email", language="en")
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"{LIST_URL}{template.pk}/delete/").status_code == 403
    assert client.post(f"{LIST_URL}{template.pk}/delete/", {"post": "yes"}).status_code == 403
    response = client.post(
        LIST_URL, {"action": "delete_selected", "_selected_action": [template.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert MessageTemplate.objects.filter(pk=template.pk).exists()


def test_general_manager_takes_a_template_out_of_use_with_history(client, gm):
    template = MessageTemplate.objects.get(purpose="reply", name="Call-back request", channel="sms")
    client.force_login(gm)

    client.post(LIST_URL, {"action": "deactivate", "_selected_action": [template.pk]})

    template.refresh_from_db()
    assert template.active is False
    latest = template.history.latest()
    assert (latest.history_user, latest.active) == (gm, False)


# --- the outbox and the opt-outs ----------------------------------------------------------------


def message_for(complaint, **fields) -> Message:
    values = {
        "channel": Channel.SMS,
        "purpose": Purpose.ACCEPTANCE,
        "event_key": f"acceptance:{complaint.version}",
        "event_version": complaint.version,
        "recipient": "+8613800138000",
        "language": "zh-hans",
        "body": "您的投诉已受理。",
    }
    values.update(fields)
    return Message.objects.create(complaint=complaint, **values)


def test_messages_of_another_departments_complaint_are_hidden_and_answer_404(
    client, make_complaint, frontline_b, gm
):
    message = message_for(make_complaint())
    url = f"/admin/correspondence/message/{message.pk}/change/"

    client.force_login(gm)
    assert client.get(url).status_code == 200
    assert (
        message.complaint.reference in client.get("/admin/correspondence/message/").content.decode()
    )

    client.force_login(frontline_b)
    assert client.get(url).status_code == 404
    listing = client.get("/admin/correspondence/message/").content.decode()
    assert message.complaint.reference not in listing


def test_messages_are_read_only_even_for_the_general_manager(client, make_complaint, gm):
    message = message_for(make_complaint())
    client.force_login(gm)

    assert client.get("/admin/correspondence/message/add/").status_code == 403
    assert client.get(f"/admin/correspondence/message/{message.pk}/delete/").status_code == 403
    page = client.get(f"/admin/correspondence/message/{message.pk}/change/").content.decode()
    assert 'name="_save"' not in page


def test_message_recipient_is_masked_where_the_complainant_is_kept_confidential(
    client, make_complaint, manager, dept_a
):
    complaint = make_complaint(confidential=True, subject_department=dept_a)
    message = message_for(complaint)
    client.force_login(manager)  # manager of the unit complained about

    page = client.get(f"/admin/correspondence/message/{message.pk}/change/").content.decode()

    assert "+8613800138000" not in page and "您的投诉已受理。" not in page
    assert selectors.mask("+8613800138000") in page


def test_general_manager_adds_and_deletes_an_opt_out_others_only_read(client, gm, frontline):
    client.force_login(frontline)
    url = "/admin/correspondence/smsoptout/add/"
    assert client.post(url, {"phone_norm": "13800138000"}).status_code == 403

    client.force_login(gm)
    response = client.post(url, {"phone_norm": "+86 138 0013 8000", "source": ""})
    assert response.status_code == 302
    opt_out = SmsOptOut.objects.get()
    assert opt_out.phone_norm == "13800138000" and "gm" in opt_out.source
    assert policy.opted_out("+8613800138000")

    client.force_login(frontline)
    assert client.get("/admin/correspondence/smsoptout/").status_code == 200
    delete = f"/admin/correspondence/smsoptout/{opt_out.pk}/delete/"
    assert client.post(delete, {"post": "yes"}).status_code == 403

    client.force_login(gm)
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not SmsOptOut.objects.exists()


def test_reversing_the_defaults_keeps_templates_a_message_was_sent_with(make_complaint):
    from django.apps import apps

    migration = import_module("correspondence.migrations.0002_default_templates")
    used = MessageTemplate.objects.get(purpose="acceptance", channel="sms", language="zh-hans")
    message_for(make_complaint(), template=used)
    custom = MessageTemplate.objects.create(
        purpose="reply", channel="sms", language="en", name="Our own", body="{{ reference }}"
    )

    # Registering the complaint sent its acknowledgement with a default template too.
    sent_with = set(
        MessageTemplate.objects.filter(pk__in=Message.objects.values("template")).values_list(
            "pk", flat=True
        )
    )
    assert used.pk in sent_with

    migration.remove_defaults(apps, None)
    assert set(MessageTemplate.objects.values_list("pk", flat=True)) == sent_with | {custom.pk}

    migration.create_defaults(apps, None)  # and forwards again: the kept row is not doubled
    assert MessageTemplate.objects.count() == len(DEFAULTS) + 1
    assert MessageTemplate.objects.filter(purpose="acceptance", channel="sms").count() == 2


def queries_of(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_outbox_and_template_lists_cost_the_same_queries_whatever_their_length(
    client, gm, make_complaint
):
    client.force_login(gm)
    message_for(make_complaint())
    queries_of(client, "/admin/correspondence/message/")  # the session and caches warm up
    one = queries_of(client, "/admin/correspondence/message/")
    templates = queries_of(client, LIST_URL)

    for n in range(12):
        message_for(make_complaint(), event_key=f"reply:{n}")
        MessageTemplate.objects.create(
            purpose="reply", channel="sms", language="en", name=f"Snippet {n}", body="Hi"
        )

    assert queries_of(client, "/admin/correspondence/message/") == one
    assert queries_of(client, LIST_URL) == templates


def test_the_refusal_is_shown_in_the_users_language(client, gm):
    client.force_login(gm)

    response = client.post(
        ADD_URL, template_form(body="{{ password }}"), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert "未知变量 password" in response.content.decode()


def test_general_manager_edits_a_default_and_the_history_names_them(client, gm):
    template = MessageTemplate.objects.get(purpose="acceptance", channel="sms", language="en")
    client.force_login(gm)

    response = client.post(
        change_url(template),
        template_form(
            name=template.name,
            purpose="acceptance",
            channel="sms",
            subject="",
            body="Complaint {{ reference }} accepted by {{ department }}.",
        ),
    )

    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Complaint {{ reference }} accepted by {{ department }}."
    latest = template.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", gm)
