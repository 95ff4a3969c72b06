"""The one outbox: a message is claimed once, retried with back-off, held out of the quiet
hours, given up on (never resent) when a worker dies mid-send; a handler's reply is written on
the timeline; each complaint's channels are found in the documented order."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django_q.models import Schedule, Task

from complaints import services as core
from complaints.models import Communication, Complaint
from correspondence import selectors, services
from correspondence.models import Message, MessageTemplate, SmsOptOut
from correspondence.sms import SmsError
from correspondence.sms.base import BaseSmsBackend
from correspondence.tasks import dispatch_due, send_message

# Written against an empty 话术库 (see the fixture).
pytestmark = pytest.mark.usefixtures("no_default_templates")

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def english():
    """The refusals and reasons below are read in English."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    """Monday 2026-12-07 10:00 in Shanghai, standing still until the test moves it."""
    with time_machine.travel(at(7, 10), tick=False) as traveller:
        yield traveller


FAILURES: list[str] = []


class DownGateway(BaseSmsBackend):
    """An SMS gateway that is down: every send fails, as a timeout would."""

    def send(self, to: str, text: str) -> str:
        FAILURES.append(to)
        raise SmsError(f"gateway timeout sending to {to}")


class RefusingGateway(BaseSmsBackend):
    """A gateway that refuses the number for good (no retry can help)."""

    def send(self, to: str, text: str) -> str:
        raise SmsError("invalid number", permanent=True)


def queued_sms(complaint: Complaint, *, key: str = "test:1", urgent=False) -> Message:
    """A queued text message written directly, without its task (the test runs the task)."""
    return Message.objects.create(
        complaint=complaint,
        channel="sms",
        purpose="reply",
        event_key=key,
        event_version=complaint.version,
        recipient="+8613800138000",
        language="zh-hans",
        body="您的投诉已受理",
        urgent=urgent,
    )


# --- the claim --------------------------------------------------------------------------------


def test_a_message_is_sent_once_however_often_its_task_runs(clock, make_complaint, sms_outbox):
    message = queued_sms(make_complaint())
    sms_outbox.clear()
    assert send_message(message.pk) == "sent"
    assert send_message(message.pk) == "nothing to send"
    [sent] = sms_outbox
    assert sent.to == "+8613800138000"
    assert sent.text.startswith("【Redress】您的投诉已受理")  # signature and opt-out hint
    assert sent.text.endswith("回复TD退订")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.provider_id) == (
        "sent",
        1,
        sent.provider_id,
    )
    assert message.sent_at == at(7, 10)


def test_a_send_writes_back_only_the_columns_it_changed(clock, make_complaint, sms_outbox):
    """A delivery report may land as soon as the gateway has the id: the worker's own save
    touches the status, the error, the gateway's id and the time sent, and nothing else."""
    message = queued_sms(make_complaint())
    with CaptureQueriesContext(connection) as queries:
        assert services.send(message.pk) == "sent"
    saves = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "correspondence_message"')]
    finish = saves[-1].split(" WHERE ")[0]
    assert '"provider_id"' in finish and '"sent_at"' in finish
    assert '"attachment_id"' not in finish and '"delivered_at"' not in finish


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_message_send_it_once(clock, make_complaint, sms_outbox):
    message = queued_sms(make_complaint())
    sms_outbox.clear()
    results: list = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.send(message.pk))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["nothing to send", "sent"]
    assert len(sms_outbox) == 1
    assert Message.objects.get(pk=message.pk).attempts == 1


# --- failures -----------------------------------------------------------------------------------


def test_a_failing_gateway_is_retried_with_back_off_then_the_message_fails(
    clock, make_complaint, settings, caplog
):
    settings.REDRESS_SMS_BACKEND = "tests.correspondence.test_outbox.DownGateway"
    FAILURES.clear()
    message = queued_sms(make_complaint())
    caplog.set_level(logging.INFO)
    waits = []
    for _attempt in range(services.MAX_ATTEMPTS - 1):
        send_message(message.pk)
        message.refresh_from_db()
        assert message.status == "queued"
        waits.append(message.send_after - dt.datetime.now(tz=SHANGHAI))
        assert send_message(message.pk) == "nothing to send"  # not due yet
        clock.move_to(message.send_after)
    assert waits == services.BACKOFF
    assert send_message(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", services.MAX_ATTEMPTS)
    assert message.last_error == "SmsError: gateway timeout sending to ***"
    assert len(FAILURES) == services.MAX_ATTEMPTS
    # Neither the number nor the text reaches the logs.
    assert "13800138000" not in caplog.text and "受理" not in caplog.text
    assert "SmsError" in caplog.text


def test_a_permanent_refusal_fails_at_once(clock, make_complaint, settings):
    settings.REDRESS_SMS_BACKEND = "tests.correspondence.test_outbox.RefusingGateway"
    message = queued_sms(make_complaint())
    assert send_message(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 1)
    assert message.last_error == "SmsError: invalid number"


def test_the_dispatcher_sends_what_is_due_after_a_back_off(
    clock, make_complaint, settings, sms_outbox
):
    settings.REDRESS_SMS_BACKEND = "tests.correspondence.test_outbox.DownGateway"
    message = queued_sms(make_complaint())
    send_message(message.pk)
    settings.REDRESS_SMS_BACKEND = "correspondence.sms.locmem.SmsBackend"
    sms_outbox.clear()
    assert dispatch_due() == "sent 0 of 0 due, gave up on 0 stuck"
    clock.shift(dt.timedelta(minutes=1))
    assert dispatch_due() == "sent 1 of 1 due, gave up on 0 stuck"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert len(sms_outbox) == 1


def test_a_send_a_worker_died_in_is_failed_once_and_never_resent(
    clock, make_complaint, frontline, sms_outbox, on_commit
):
    message = queued_sms(make_complaint())
    assert services.claim(message.pk)  # a worker claimed it, then died
    sms_outbox.clear()
    clock.shift(dt.timedelta(minutes=9))
    assert dispatch_due().endswith("gave up on 0 stuck")
    clock.shift(dt.timedelta(minutes=2))
    assert dispatch_due().endswith("gave up on 1 stuck")
    assert dispatch_due().endswith("gave up on 0 stuck")
    message.refresh_from_db()
    assert message.status == "failed"
    assert "check with the complainant" in message.last_error or "核实" in message.last_error
    assert sms_outbox == []
    # The handler checked with the complainant and sends it again.
    with on_commit():
        services.retry(message, by=frontline)
    assert Message.objects.get(pk=message.pk).status == "sent"
    assert len(sms_outbox) == 1


def test_only_a_handler_retries_and_only_a_failed_message(
    clock, make_complaint, frontline, frontline_b, sms_outbox
):
    message = queued_sms(make_complaint())
    with pytest.raises(core.TransitionRefused):
        services.retry(message, by=frontline)
    Message.objects.filter(pk=message.pk).update(status="failed")
    with pytest.raises(core.ActionForbidden):
        services.retry(message, by=frontline_b)
    assert Message.objects.get(pk=message.pk).status == "failed"


# --- quiet hours --------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "hour", "minute"), [(7, 23, 30), (8, 0, 30)])
def test_a_text_queued_at_night_waits_until_eight_and_an_urgent_one_goes(
    make_complaint, frontline, sms_outbox, on_commit, day, hour, minute
):
    complaint = make_complaint(complainant_email="")
    with time_machine.travel(at(day, hour, minute), tick=False) as clock:
        sms_outbox.clear()
        with on_commit():
            held = services.send_reply(complaint, by=frontline, channel="sms", key="a", body="Hi")
            urgent = services.send_reply(
                complaint, by=frontline, channel="sms", key="b", body="Now", urgent=True
            )
        assert [m.text for m in sms_outbox] == ["【Redress】Now 回复TD退订"]
        held.refresh_from_db()
        assert (held.status, held.send_after) == ("queued", at(8, 8))
        assert Message.objects.get(pk=urgent.pk).status == "sent"
        clock.move_to(at(8, 7, 59))
        dispatch_due()
        assert len(sms_outbox) == 1
        clock.move_to(at(8, 8))
        dispatch_due()
        assert len(sms_outbox) == 2
        assert Message.objects.get(pk=held.pk).sent_at == at(8, 8)


def test_a_retry_that_falls_in_the_quiet_hours_is_held_again(make_complaint, settings, sms_outbox):
    with time_machine.travel(
        at(
            7,
            20,
            59,
        ),
        tick=False,
    ) as clock:
        settings.REDRESS_SMS_BACKEND = "tests.correspondence.test_outbox.DownGateway"
        message = queued_sms(make_complaint())
        send_message(message.pk)  # fails at 20:59; next attempt at 21:00, in the quiet hours
        settings.REDRESS_SMS_BACKEND = "correspondence.sms.locmem.SmsBackend"
        sms_outbox.clear()
        clock.move_to(at(7, 21))
        assert dispatch_due() == "sent 0 of 1 due, gave up on 0 stuck"
        message.refresh_from_db()
        assert (message.status, message.send_after, message.attempts) == ("queued", at(8, 8), 1)
        assert sms_outbox == []


# --- channels -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "preferred", "expected"),
    [
        ({"complainant_email": "a@example.com"}, "", "email"),
        ({"complainant_email": "a@example.com"}, "sms", "sms"),
        ({"complainant_email": "a@example.com"}, "letter", "letter"),
        ({"complainant_email": ""}, "", "sms"),
        ({"complainant_email": "", "complainant_phone": "010-12345678"}, "", "letter"),
        ({"complainant_email": "", "complainant_phone": "010-12345678"}, "sms", "letter"),
        ({"complainant_email": "", "complainant_phone": "", "complainant_address": ""}, "", None),
    ],
)
def test_the_best_channel_is_the_preference_else_email_else_sms_else_a_letter(
    make_complaint, contact, preferred, expected
):
    address = contact.pop("complainant_address", "北京市东城区1号")
    complaint = make_complaint(**contact)
    Complaint.objects.filter(pk=complaint.pk).update(
        preferred_channel=preferred, complainant_address=address
    )
    complaint.refresh_from_db()
    best = services.best_channel(complaint)
    assert (best[0] if best else None) == expected


def test_an_opted_out_number_is_not_a_channel(make_complaint):
    complaint = make_complaint(complainant_email="")
    assert services.channels_for(complaint) == {"sms": "+8613800138000"}
    SmsOptOut.objects.create(phone_norm="13800138000")
    assert services.channels_for(complaint) == {}
    assert "no more text messages" in services.channel_gaps(complaint)["sms"]
    assert selectors.unreachable(complaint)


def test_an_opt_out_after_queuing_stops_the_text(clock, make_complaint, sms_outbox):
    message = queued_sms(make_complaint())
    SmsOptOut.objects.create(phone_norm="8613800138000")
    assert send_message(message.pk) == "not_sent"
    message.refresh_from_db()
    assert message.status == "not_sent" and "no more text messages" in message.last_error
    assert sms_outbox == []


# --- a handler's reply --------------------------------------------------------------------------


def test_a_handlers_reply_is_sent_and_written_on_the_timeline(
    clock, templates, make_complaint, frontline, on_commit
):
    complaint = make_complaint("assigned", complainant_email="li@example.com")
    assert complaint.first_response_at is None
    mail.outbox.clear()
    with on_commit():
        message = services.send_reply(
            complaint,
            by=frontline,
            channel="email",
            key="form-1",
            subject="About {{ reference }}",
            body="Dear {{ complainant_name }}, we are on it.",
        )
    [email] = mail.outbox
    assert email.subject == f"About {complaint.reference}"
    assert email.body == "Dear Li Lei, we are on it."
    assert email.to == ["li@example.com"]
    assert email.reply_to == ["complaints@example.cn"]
    assert "Auto-Submitted" not in email.extra_headers  # a person wrote it
    assert email.extra_headers["Message-ID"] == message.message_id
    message.refresh_from_db()
    assert (message.status, message.created_by, message.purpose) == ("sent", frontline, "reply")
    comm = message.communication
    assert (comm.medium, comm.direction, comm.author) == ("email", "out", frontline)
    assert comm.summary == f"About {complaint.reference}\n\nDear Li Lei, we are on it."
    assert comm.message_id == message.message_id
    assert comm.history.get().history_user == frontline
    assert Complaint.objects.get(pk=complaint.pk).first_response_at == at(7, 10)
    assert Task.objects.get(func="correspondence.tasks.send_message").success


def test_the_same_form_submitted_twice_sends_once(clock, make_complaint, frontline, sms_outbox):
    complaint = make_complaint("assigned", complainant_email="")
    first = services.send_reply(complaint, by=frontline, channel="sms", key="k", body="One")
    again = services.send_reply(complaint, by=frontline, channel="sms", key="k", body="One")
    assert first.pk == again.pk
    assert Message.objects.filter(purpose="reply").count() == 1
    assert Communication.objects.count() == 1


def test_the_preview_fills_in_the_complaint_and_writes_nothing(clock, make_complaint, frontline):
    complaint = make_complaint("assigned")
    template = MessageTemplate.objects.create(
        purpose="reply", channel="sms", language="zh-hans", name="ack", body="{{ reference }} OK"
    )
    shown = services.preview(complaint, by=frontline, channel="sms", template=template)
    assert shown.text == f"{complaint.reference} OK"
    assert shown.subject == ""
    edited = services.preview(
        complaint, by=frontline, channel="sms", template=template.pk, body="{{ handler }}"
    )
    assert edited.text == "frontline"
    assert not Message.objects.filter(purpose="reply").exists()
    assert not Communication.objects.exists()


@pytest.mark.parametrize(
    ("body", "channel", "fields", "error"),
    [
        ("{{ password }}", "sms", {}, "Unknown variable password"),
        ("", "sms", {}, "Write the message"),
        ("Hi", "email", {"complainant_email": ""}, "No email address"),
        ("Hi", "letter", {}, "No postal address"),
        ("Hi", "sms", {"complainant_phone": "010-12345678"}, "landline"),
        ("Hi", "fax", {}, "Choose email"),
    ],
)
def test_a_reply_that_cannot_go_is_refused_with_a_reason(
    make_complaint, frontline, body, channel, fields, error
):
    complaint = make_complaint("assigned", **fields)
    with pytest.raises(ValidationError, match=error):
        services.send_reply(complaint, by=frontline, channel=channel, key="x", body=body)
    assert not Message.objects.filter(purpose="reply").exists()


def test_someone_who_does_not_handle_the_complaint_may_not_write(
    make_complaint, frontline_b, auditor, outsider
):
    complaint = make_complaint("assigned")
    for user in (frontline_b, auditor, outsider):
        with pytest.raises(core.ActionForbidden):
            services.preview(complaint, by=user, channel="sms", body="Hi")
        with pytest.raises(core.ActionForbidden):
            services.send_reply(complaint, by=user, channel="sms", key="x", body="Hi")
    assert not Message.objects.filter(purpose="reply").exists()


def test_confidential_contact_details_are_kept_from_the_unit_complained_about(
    make_complaint, manager, gm, dept_a
):
    complaint = make_complaint(
        "assigned", confidential=True, subject_department=dept_a, complainant_email=""
    )
    with pytest.raises(core.ActionForbidden):
        services.send_reply(complaint, by=manager, channel="sms", key="x", body="Hi")
    assert services.channels_for(complaint, viewer=manager) == {"sms": "+************0"}
    assert services.channels_for(complaint, viewer=gm) == {"sms": "+8613800138000"}
    message = queued_sms(complaint)
    shown = selectors.messages_for(complaint, viewer=manager)[0]
    assert (shown.pk, shown.shown_recipient) == (message.pk, "+************0")
    assert selectors.messages_for(complaint, viewer=gm)[0].shown_recipient == message.recipient


def test_a_survey_by_hand_carries_its_link(clock, templates, make_complaint, frontline):
    complaint = make_complaint("resolved")
    shown = services.preview(complaint, by=frontline, channel="sms", purpose="survey")
    assert shown.text.startswith("How did we do? https://complaints.example.cn/survey/")


def test_a_letter_is_left_to_post_and_posting_it_writes_the_letter_on_the_timeline(
    clock, make_complaint, frontline, on_commit
):
    complaint = make_complaint("assigned")
    Complaint.objects.filter(pk=complaint.pk).update(complainant_address="上海市黄浦区南京东路1号")
    complaint.refresh_from_db()
    message = queued_sms(complaint)
    Message.objects.filter(pk=message.pk).update(
        channel="letter", recipient=complaint.complainant_address, status="to_post"
    )
    message.refresh_from_db()
    with pytest.raises(core.ActionForbidden):
        services.mark_posted(message, by=None)
    posted = services.mark_posted(message, by=frontline)
    assert (posted.status, posted.sent_at) == ("sent", at(7, 10))
    comm = posted.communication
    assert (comm.medium, comm.direction, comm.author) == ("letter", "out", frontline)
    with pytest.raises(core.TransitionRefused):
        services.mark_posted(posted, by=frontline)


# --- schedules ----------------------------------------------------------------------------------


def test_setup_schedules_runs_the_dispatcher_every_minute(db):
    call_command("setup_schedules")
    schedule = Schedule.objects.get(func="correspondence.tasks.dispatch_due")
    assert (schedule.schedule_type, schedule.minutes) == (Schedule.MINUTES, 1)


def test_the_complaint_page_lists_messages_in_a_fixed_number_of_queries(
    make_complaint, django_assert_max_num_queries
):
    complaint = make_complaint()
    for n in range(5):
        queued_sms(complaint, key=f"k{n}")
    with django_assert_max_num_queries(1):
        assert len(selectors.messages_for(complaint)) == 6  # and the acknowledgement
