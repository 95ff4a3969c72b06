"""Every complainant hears: each lifecycle event's notice goes by the best channel the complaint
has (a phone-only complainant by text message), once per event, threaded with the complainant's
own email when they wrote in; with no channel the complaint keeps a NOT_SENT message that says
so."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from complaints import services as core
from complaints.models import Communication, Complaint
from complaints.signals import notifications_suppressed
from correspondence import letters, signals
from correspondence.models import Message
from escalation import services as sla
from intake import mail as intake_mail
from tests.conftest import RESOLUTION

# Written against an empty 话术库 (see the fixture).
pytestmark = pytest.mark.usefixtures("no_default_templates")

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_10 = dt.datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def sent(complaint: Complaint) -> list[tuple[str, str, str]]:
    return list(
        Message.objects.filter(complaint=complaint)
        .order_by("created_at", "id")
        .values_list("purpose", "channel", "status")
    )


def test_a_phone_only_complainant_is_told_everything_by_text_message(
    templates, make_complaint, frontline, manager, on_commit, sms_outbox
):
    with on_commit():
        complaint = make_complaint(
            "assigned", complainant_email="", complainant_phone="13800138000"
        )
    with on_commit():
        request = sla.request_extension(
            complaint,
            by=frontline,
            proposed_due_at=MONDAY_10 + dt.timedelta(days=20),
            reason="Waiting for the bank",
        )
        sla.decide_extension(request, by=manager, approve=True)
    with on_commit():
        complaint = core.resolve(Complaint.objects.get(pk=complaint.pk), by=frontline, **RESOLUTION)
    assert sent(complaint) == [
        ("acknowledgement", "sms", "sent"),
        ("acceptance", "sms", "sent"),
        ("extension", "sms", "sent"),
        ("decision", "sms", "sent"),
        ("survey", "sms", "sent"),
    ]
    texts = [m.text for m in sms_outbox]
    assert all(m.to == "+8613800138000" for m in sms_outbox)
    assert texts[0].startswith(f"【Redress】Received {complaint.reference}, code ")
    assert "Extended" in texts[2] and "Reason: Waiting for the bank." in texts[2]
    assert "2026年12月27日" in texts[2]  # the new date, in the complainant's language
    assert "Apologised and retrained the agent" in texts[3]
    assert "https://complaints.example.cn/survey/" in texts[4]
    survey = Message.objects.get(complaint=complaint, purpose="survey")
    assert (survey.event_key, survey.event_version) == (
        f"survey:{complaint.version}",
        complaint.version,
    )


def test_an_email_complainant_gets_email_threaded_with_their_own_message(
    templates, on_commit, settings
):
    settings.REDRESS_TASKS_SYNC = True
    raw = (
        b"From: Amy <amy@example.com>\r\nTo: complaints@example.cn\r\n"
        b"Subject: Double charge\r\nMessage-ID: <first@mail.example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nI was charged twice.\r\n"
    )
    with on_commit():
        result = intake_mail.import_message(raw)
    complaint = result.complaint
    [ack] = mail.outbox
    message = Message.objects.get(complaint=complaint)
    assert (message.purpose, message.channel, message.status) == (
        "acknowledgement",
        "email",
        "sent",
    )
    assert ack.extra_headers["Message-ID"] == message.message_id
    assert ack.extra_headers["In-Reply-To"] == "<first@mail.example.com>"
    assert ack.extra_headers["Auto-Submitted"] == "auto-generated"
    assert ack.reply_to == ["complaints@example.cn"]
    assert ack.alternatives[0][1] == "text/html"
    # The complainant answers the acknowledgement: the answer lands on the same complaint.
    answer = (
        "From: Amy <amy@example.com>\r\nTo: complaints@example.cn\r\n"
        "Subject: Re: something else\r\nMessage-ID: <second@mail.example.com>\r\n"
        f"In-Reply-To: {message.message_id}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHere is the receipt.\r\n"
    ).encode()
    with on_commit():
        threaded = intake_mail.import_message(answer)
    assert (threaded.outcome, threaded.complaint.pk) == ("reply", complaint.pk)
    inbound = Communication.objects.filter(complaint=complaint, direction="in")
    assert list(inbound.values_list("message_id", flat=True)) == [
        "<first@mail.example.com>",
        "<second@mail.example.com>",
    ]


def test_no_way_to_reach_the_complainant_is_recorded_not_sent(
    templates, make_complaint, on_commit, sms_outbox
):
    with on_commit():
        complaint = make_complaint(complainant_email="", complainant_phone="")
    [message] = Message.objects.filter(complaint=complaint)
    assert (message.purpose, message.status, message.recipient) == (
        "acknowledgement",
        "not_sent",
        "",
    )
    assert "No email address" in message.last_error or "邮箱" in message.last_error
    assert sms_outbox == [] and mail.outbox == []


def test_a_landline_only_complainant_with_an_address_gets_a_letter_to_post(
    templates, make_complaint, manager, category, dept_a, on_commit
):
    complaint = make_complaint(complainant_email="", complainant_phone="010-12345678")
    Complaint.objects.filter(pk=complaint.pk).update(complainant_address="北京市东城区1号")
    complaint = Complaint.objects.get(pk=complaint.pk)
    with on_commit():
        core.classify(
            complaint, by=manager, category=category, priority="normal", department=dept_a
        )
    letter = Message.objects.get(complaint=complaint, purpose="acceptance")
    assert (letter.channel, letter.recipient) == ("letter", "北京市东城区1号")
    assert letter.subject == f"[{complaint.reference}] Accepted"
    if hasattr(letters, "store_letter"):
        assert letter.status == "to_post" and letter.attachment is not None


def test_a_refusal_gives_the_reason_and_the_appeal_window(
    templates, make_complaint, manager, on_commit, sms_outbox, settings
):
    settings.REDRESS_REFUSAL_APPEAL_DAYS = 30  # the window to ask for a review of a refusal
    complaint = make_complaint(complainant_email="")
    sms_outbox.clear()
    with on_commit():
        core.reject(complaint, by=manager, reason_code="outside_remit", explanation="Ask the bank.")
    [text] = [m.text for m in sms_outbox]
    assert "Reason: 超出本单位职责范围: Ask the bank." in text or "Ask the bank." in text
    assert "(30 days)" in text and "2027年1月6日" in text


def test_each_event_is_told_once_however_often_it_is_announced(
    templates, make_complaint, on_commit, sms_outbox
):
    with on_commit():
        complaint = make_complaint(complainant_email="")
    with on_commit():
        signals.tell_complainant(None, complaint=complaint, action="register")
    assert len(sms_outbox) == 1
    assert Message.objects.filter(complaint=complaint).count() == 1


def test_a_rolled_back_action_and_replayed_work_tell_nobody(
    templates, make_complaint, on_commit, sms_outbox
):
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        make_complaint(complainant_email="")
        raise RuntimeError("the request failed after registering")
    with on_commit(), notifications_suppressed():
        make_complaint(complainant_email="")
    assert sms_outbox == [] and not Message.objects.exists()


def test_a_missing_template_fails_the_message_not_the_action(make_complaint, on_commit):
    with on_commit():
        complaint = make_complaint(complainant_email="")
    [message] = Message.objects.filter(complaint=complaint)
    assert message.status == "failed"
    assert message.last_error.startswith("No active template for acknowledgement by sms")


def test_a_template_in_the_default_language_stands_in(make_complaint, on_commit, sms_outbox):
    from tests.correspondence.conftest import make_templates

    make_templates(languages=("zh-hans",))
    with on_commit():
        make_complaint(complainant_email="", complainant_language="en")
    [text] = [m.text for m in sms_outbox]
    assert "(zh-hans)" in text


def test_the_survey_goes_only_by_email_or_text_and_can_be_switched_off(
    templates, make_complaint, frontline, on_commit, settings
):
    complaint = make_complaint("assigned", complainant_email="", complainant_phone="")
    Complaint.objects.filter(pk=complaint.pk).update(complainant_address="北京市东城区1号")
    with on_commit():
        core.resolve(Complaint.objects.get(pk=complaint.pk), by=frontline, **RESOLUTION)
    assert [(p, c, s) for p, c, s in sent(complaint) if p in ("decision", "survey")] == [
        ("decision", "letter", "to_post" if hasattr(letters, "store_letter") else "queued"),
        ("survey", "email", "not_sent"),
    ]
    settings.REDRESS_SURVEY_AUTO = False
    other = make_complaint("assigned", complainant_email="")
    with on_commit():
        core.resolve(other, by=frontline, **RESOLUTION)
    assert not Message.objects.filter(complaint=other, purpose="survey").exists()


def test_an_escalation_the_complainant_should_hear_of_goes_through_the_outbox(
    templates, make_complaint, frontline, on_commit, sms_outbox
):
    complaint = make_complaint("assigned", complainant_email="")
    sms_outbox.clear()
    with on_commit():
        sla.escalate_by_hand(
            complaint, by=frontline, reason_code="beyond_authority", tell_complainant=True
        )
    [message] = Message.objects.filter(complaint=complaint, purpose="escalation")
    assert (message.channel, message.status) == ("sms", "sent")
    assert [m.text for m in sms_outbox] == [
        f"【Redress】Escalated {complaint.reference}. (zh-hans) 回复TD退订"
    ]
