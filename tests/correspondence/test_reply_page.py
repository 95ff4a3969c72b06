"""The reply page (/complaints/<reference>/write/) and the messages panel of the complaint page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Communication, Complaint, State
from correspondence.models import Channel, Message, MessageTemplate, Purpose

pytestmark = pytest.mark.django_db

EMAIL = "li.lei@example.com"


def reply_template(channel="email", language="zh-hans", name="Apology", **extra) -> MessageTemplate:
    template, _created = MessageTemplate.objects.update_or_create(
        purpose=Purpose.REPLY,
        channel=channel,
        language=language,
        name=name,
        defaults={
            "subject": "About {{ reference }}",
            "body": "Dear {{ complainant_name }}, we are looking into {{ reference }}.",
            "active": True,
            **extra,
        },
    )
    return template


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def complaint(make_complaint):
    return make_complaint(State.ASSIGNED, complainant_email=EMAIL)


def write_url(complaint) -> str:
    return reverse("correspondence:write", args=[complaint.reference])


def key_of(response) -> str:
    return re.search(r'name="key" value="([^"]+)"', response.content.decode()).group(1)


def post(client, complaint, **data):
    return client.post(write_url(complaint), data)


def written(complaint):
    """The handlers' messages (automatic notices of the lifecycle have no author)."""
    return Message.objects.filter(complaint=complaint, created_by__isnull=False)


def contacts(complaint):
    return Communication.objects.filter(complaint=complaint)


# --- the page ------------------------------------------------------------------------------------


def test_handler_sees_the_channels_the_complainant_gave_with_masked_recipients(
    client, frontline, complaint
):
    reply_template()
    client.force_login(frontline)
    response = client.get(write_url(complaint))
    assert response.status_code == 200
    page = response.content.decode()
    assert "l***@example.com" in page
    assert "+86138****8000" in page
    assert EMAIL not in page
    assert 'value="letter"' not in page  # no postal address was given
    assert "Apology" in page
    assert 'name="key"' in page


def test_templates_of_other_languages_and_inactive_ones_are_not_offered(
    client, frontline, complaint
):
    reply_template(name="Apology")
    reply_template(name="English one", language="en")
    reply_template(name="Retired", active=False)
    client.force_login(frontline)
    page = client.get(write_url(complaint)).content.decode()
    assert "Apology" in page
    assert "English one" not in page
    assert "Retired" not in page


def test_preview_fills_in_the_complaint_and_saves_nothing(client, frontline, complaint):
    template = reply_template()
    client.force_login(frontline)
    key = key_of(client.get(write_url(complaint)))
    response = post(
        client, complaint, channel="email", template=template.pk, body="", key=key, preview="1"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="preview"' in page
    assert f"we are looking into {complaint.reference}" in page
    assert f"About {complaint.reference}" in page
    # The template's own text is now in the form, ready to be edited.
    assert "we are looking into {{ reference }}" in page
    assert not written(complaint).exists()
    assert not contacts(complaint).exists()


def test_send_queues_the_message_logs_the_contact_and_returns_to_the_complaint(
    client, frontline, complaint, django_capture_on_commit_callbacks
):
    template = reply_template()
    client.force_login(frontline)
    key = key_of(client.get(write_url(complaint)))
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, complaint, channel="email", template=template.pk, key=key, send="1")
    assert response.status_code == 302
    assert response.url == f"{complaint.get_absolute_url()}#messages"

    message = written(complaint).get()
    assert message.channel == Channel.EMAIL
    assert message.created_by == frontline
    assert message.recipient == EMAIL
    assert message.body == f"Dear Li Lei, we are looking into {complaint.reference}."
    comm = message.communication
    assert comm.direction == Communication.Direction.OUTBOUND
    assert comm.medium == Communication.Medium.EMAIL
    assert comm.history.filter(history_type="+", history_user=frontline).exists()
    assert mail.outbox[-1].to == [EMAIL]
    assert complaint.reference in mail.outbox[-1].subject

    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "your message is on its way" in page
    assert 'id="messages"' in page
    assert f'data-message="{message.pk}"' in page
    assert 'data-kind="communication"' in page  # the contact is on the timeline


def test_a_double_submit_sends_once(client, frontline, complaint):
    client.force_login(frontline)
    key = key_of(client.get(write_url(complaint)))
    data = {"channel": "sms", "body": "We called you about {{ reference }}.", "key": key}
    first = post(client, complaint, send="1", **data)
    second = post(client, complaint, send="1", **data)
    assert first.status_code == second.status_code == 302
    assert written(complaint).count() == 1
    assert contacts(complaint).count() == 1


def test_own_text_is_sent_as_a_reply(client, frontline, complaint):
    client.force_login(frontline)
    post(
        client,
        complaint,
        channel="sms",
        body="Your case {{ reference }} is with {{ department }}.",
        key="k-own",
        urgent="on",
        send="1",
    )
    message = written(complaint).get()
    assert message.purpose == Purpose.REPLY
    assert message.urgent
    assert complaint.reference in message.body
    assert message.template is None


def test_an_unknown_variable_is_refused_with_its_name_and_nothing_is_saved(
    client, frontline, complaint
):
    client.force_login(frontline)
    for action in ("preview", "send"):
        response = post(
            client,
            complaint,
            channel="email",
            subject="Hi",
            body="Hello {{ secret_field }}",
            key="k-bad",
            **{action: "1"},
        )
        assert response.status_code == 400
        assert "secret_field" in response.content.decode()
    assert not written(complaint).exists()
    assert not contacts(complaint).exists()


def test_a_channel_the_complainant_did_not_give_is_refused(client, frontline, complaint):
    client.force_login(frontline)
    response = post(client, complaint, channel="letter", body="Hi", key="k-letter", send="1")
    assert response.status_code == 400
    assert not written(complaint).exists()


def test_a_template_of_another_channel_is_refused(client, frontline, complaint):
    template = reply_template(channel="sms", name="Short")
    client.force_login(frontline)
    response = post(client, complaint, channel="email", template=template.pk, key="k", send="1")
    assert response.status_code == 400
    assert not written(complaint).exists()


def test_nothing_to_send_is_refused(client, frontline, complaint):
    client.force_login(frontline)
    response = post(client, complaint, channel="email", body="  ", key="k", send="1")
    assert response.status_code == 400
    assert "Write a text or choose a template" in response.content.decode()


def test_no_usable_channel_says_so(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED, complainant_phone="")
    client.force_login(frontline)
    page = client.get(write_url(complaint)).content.decode()
    assert 'id="no-channel"' in page
    assert 'id="reply-form"' not in page


def test_the_page_speaks_chinese(client, frontline, complaint):
    client.force_login(frontline)
    response = client.get(write_url(complaint), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "联系投诉人" in page
    assert "预览" in page


# --- who may write -------------------------------------------------------------------------------


def test_auditor_may_read_the_complaint_but_not_write(client, auditor, complaint):
    client.force_login(auditor)
    assert client.get(write_url(complaint)).status_code == 403
    response = post(client, complaint, channel="sms", body="Hi", key="k", send="1")
    assert response.status_code == 403
    assert not written(complaint).exists()


def test_staff_who_cannot_see_the_complaint_get_404(client, frontline_b, outsider, complaint):
    for user in (frontline_b, outsider):
        client.force_login(user)
        assert client.get(write_url(complaint)).status_code in (403, 404)
    client.force_login(frontline_b)
    assert client.get(write_url(complaint)).status_code == 404


def test_staff_kept_from_the_complainant_may_not_write(client, manager, dept_a, make_complaint):
    complaint = make_complaint(
        State.ASSIGNED, complainant_email=EMAIL, confidential=True, subject_department=dept_a
    )
    client.force_login(manager)
    assert client.get(complaint.get_absolute_url()).status_code == 200
    assert client.get(write_url(complaint)).status_code == 403


def test_a_handler_no_longer_handling_it_may_not_write(client, frontline, manager, complaint):
    from complaints import services as core

    core.escalate(complaint, by=manager, reason="Beyond the frontline")
    client.force_login(frontline)
    assert client.get(complaint.get_absolute_url()).status_code == 200
    assert client.get(write_url(complaint)).status_code == 403


def test_the_page_refuses_other_methods(client, frontline, complaint):
    client.force_login(frontline)
    assert client.put(write_url(complaint)).status_code == 405


# --- the complaint page --------------------------------------------------------------------------


def test_complaint_page_offers_the_button_only_to_those_who_may_write(
    client, frontline, auditor, complaint
):
    client.force_login(frontline)
    assert 'id="write-to-complainant"' in client.get(complaint.get_absolute_url()).content.decode()
    client.force_login(auditor)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'id="write-to-complainant"' not in page
    assert 'id="messages"' in page


def test_complaint_page_warns_when_the_complainant_gave_no_channel(
    client, frontline, make_complaint
):
    complaint = make_complaint(State.ASSIGNED, complainant_phone="")
    client.force_login(frontline)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "The complainant gave no way to reach them: notices cannot be sent." in page


def _message(complaint, status, channel="sms", **fields) -> Message:
    count = Message.objects.count()
    return Message.objects.create(
        complaint=complaint,
        channel=channel,
        purpose=Purpose.REPLY,
        event_key=f"test:{count}",
        event_version=complaint.version,
        recipient="+8613800138000" if channel == "sms" else "1 Road, Beijing",
        language="zh-hans",
        body="Hello",
        status=status,
        **fields,
    )


def test_panel_shows_status_reason_and_the_actions_of_each_message(client, frontline, complaint):
    failed = _message(complaint, Message.Status.FAILED, last_error="Gateway said no")
    Complaint.objects.filter(pk=complaint.pk).update(complainant_address="1 Road, Beijing")
    letter = _message(complaint, Message.Status.TO_POST, channel="letter")
    client.force_login(frontline)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "Gateway said no" in page
    assert reverse("correspondence:retry", args=[complaint.reference, failed.pk]) in page
    assert reverse("correspondence:posted", args=[complaint.reference, letter.pk]) in page
    assert "+86138****8000" in page


def test_retry_queues_a_failed_message_again(client, frontline, complaint):
    failed = _message(complaint, Message.Status.FAILED, last_error="Gateway said no")
    client.force_login(frontline)
    url = reverse("correspondence:retry", args=[complaint.reference, failed.pk])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status in (Message.Status.QUEUED, Message.Status.SENT, Message.Status.DELIVERED)
    assert failed.history.filter(history_user=frontline).exists()


def test_retry_of_a_sent_message_is_refused(client, frontline, complaint):
    sent = _message(complaint, Message.Status.SENT)
    client.force_login(frontline)
    response = client.post(
        reverse("correspondence:retry", args=[complaint.reference, sent.pk]), follow=True
    )
    assert "Only a failed message can be sent again." in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == Message.Status.SENT


def test_mark_posted_sends_the_letter_and_logs_it(client, frontline, complaint):
    letter = _message(complaint, Message.Status.TO_POST, channel="letter")
    client.force_login(frontline)
    response = client.post(reverse("correspondence:posted", args=[complaint.reference, letter.pk]))
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Message.Status.SENT
    assert letter.communication.medium == Communication.Medium.LETTER


def test_retry_by_an_auditor_is_forbidden(client, auditor, complaint):
    failed = _message(complaint, Message.Status.FAILED)
    client.force_login(auditor)
    url = reverse("correspondence:retry", args=[complaint.reference, failed.pk])
    assert client.post(url).status_code == 403
    failed.refresh_from_db()
    assert failed.status == Message.Status.FAILED


def test_a_message_of_another_complaint_is_not_found(client, frontline, make_complaint, complaint):
    other = make_complaint(State.ASSIGNED)
    failed = _message(other, Message.Status.FAILED)
    client.force_login(frontline)
    url = reverse("correspondence:retry", args=[complaint.reference, failed.pk])
    assert client.post(url).status_code == 404


def test_the_panel_costs_the_same_queries_for_one_message_or_many(
    client, frontline, complaint, django_assert_max_num_queries
):
    _message(complaint, Message.Status.SENT)
    before = Message.objects.filter(complaint=complaint).count()
    client.force_login(frontline)
    client.get(complaint.get_absolute_url())  # warm the permission cache and the session
    with CaptureQueriesContext(connection) as one:
        client.get(complaint.get_absolute_url())
    for status in (Message.Status.FAILED, Message.Status.TO_POST, Message.Status.QUEUED) * 3:
        _message(complaint, status, created_by=frontline)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(complaint.get_absolute_url())
    assert response.content.decode().count('class="list-group-item message-row"') == before + 9


@pytest.mark.parametrize("moment", ["2026-12-07 23:30", "2026-12-08 00:30"])
def test_a_text_message_at_night_waits_for_the_morning_unless_urgent(
    client, frontline, complaint, moment, django_capture_on_commit_callbacks
):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    shanghai = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.fromisoformat(moment).replace(tzinfo=shanghai)
    client.force_login(frontline)
    with time_machine.travel(now, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            post(client, complaint, channel="sms", body="Calm {{ reference }}", key="k1", send="1")
            post(
                client,
                complaint,
                channel="sms",
                body="Urgent {{ reference }}",
                key="k2",
                urgent="on",
                send="1",
            )
        calm = written(complaint).get(urgent=False)
        urgent = written(complaint).get(urgent=True)
        page = client.get(complaint.get_absolute_url()).content.decode()
    assert calm.status == Message.Status.QUEUED
    assert calm.send_after.astimezone(shanghai).hour == 8
    assert urgent.status in (Message.Status.SENT, Message.Status.DELIVERED)
    assert "Not before" in page


def test_a_number_that_opted_out_after_the_page_was_opened_is_refused(client, frontline, complaint):
    from correspondence.models import SmsOptOut

    client.force_login(frontline)
    key = key_of(client.get(write_url(complaint)))
    SmsOptOut.objects.create(phone_norm="13800138000", source="TD")
    response = post(client, complaint, channel="sms", body="Hi", key=key, send="1")
    assert response.status_code == 400
    assert not written(complaint).exists()


def test_a_template_retired_after_the_page_was_opened_is_refused(client, frontline, complaint):
    template = reply_template()
    client.force_login(frontline)
    key = key_of(client.get(write_url(complaint)))
    MessageTemplate.objects.filter(pk=template.pk).update(active=False)
    response = post(client, complaint, channel="email", template=template.pk, key=key, send="1")
    assert response.status_code == 400
    assert not written(complaint).exists()


def test_markup_in_the_text_is_shown_as_text_in_the_preview(client, frontline, complaint):
    client.force_login(frontline)
    response = post(
        client,
        complaint,
        channel="email",
        subject="<b>Hi</b>",
        body="<script>alert('x')</script> {{ reference }}",
        key="k",
        preview="1",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(" not in page
    assert "&lt;script&gt;alert(" in page
