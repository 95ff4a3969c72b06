"""What a complainant who came through intake hears, sent through correspondence's outbox by a
real django-q2 task run (sync) to Django's locmem mail: the acknowledgement with the reference
and tracking code, the acceptance, a refusal with every reason, the decision and the follow-up,
each once, in the complainant's language."""

from __future__ import annotations

import pytest
from django.core import mail as outbox
from django.db import transaction
from django.utils import translation
from django_q.models import Task

from complaints import services
from complaints.models import Complaint, RejectReason
from correspondence.models import Message
from correspondence.tasks import send_message
from tests.conftest import RESOLUTION


@pytest.fixture
def received(web_complaint, on_commit):
    with on_commit():
        complaint = web_complaint(complainant_language="en", complainant_email="amy@example.com")
    outbox.outbox.clear()
    return complaint


def test_registration_sends_an_acknowledgement_with_reference_and_tracking_code(
    web_complaint, on_commit
):
    with on_commit():
        complaint = web_complaint(complainant_language="en", complainant_email="amy@example.com")
    [message] = outbox.outbox
    assert message.to == ["amy@example.com"]
    assert message.subject == f"[{complaint.reference}] Received"
    assert complaint.tracking_code in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert complaint.tracking_code in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.from_email == "Complaints <complaints@example.cn>"
    row = Message.objects.get()
    assert (row.purpose, row.event_key, row.status) == (
        "acknowledgement",
        "acknowledgement:1",
        "sent",
    )
    assert row.message_id == message.extra_headers["Message-ID"]
    # It went through django-q2: the task and its result are recorded like a worker's.
    task = Task.objects.get(func="correspondence.tasks.send_message")
    assert task.success
    assert task.args == (row.pk,)


def test_the_acknowledgement_is_written_in_the_complainants_language(web_complaint, on_commit):
    with on_commit():
        web_complaint(complainant_language="zh-hans")
    [message] = outbox.outbox
    assert message.body.endswith("(zh-hans)")


def test_no_contact_details_means_a_notice_recorded_as_not_sent(web_complaint, on_commit):
    with on_commit():
        web_complaint(complainant_email="")
    assert outbox.outbox == []
    assert Message.objects.get().status == "not_sent"
    assert not Task.objects.exists()


def test_nothing_is_sent_for_a_registration_that_rolled_back(web_complaint, on_commit):
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        web_complaint()
        raise RuntimeError("the request failed after registering")
    assert outbox.outbox == []
    assert not Complaint.objects.exists() and not Message.objects.exists()


def test_acceptance_is_notified(received, manager, category, dept_a, on_commit):
    with on_commit():
        services.classify(
            received, by=manager, category=category, priority="normal", department=dept_a
        )
    [message] = outbox.outbox
    assert message.subject == f"[{received.reference}] Accepted"


@pytest.mark.parametrize("reason", RejectReason.values)
def test_every_refusal_reason_is_notified_with_the_reason(received, manager, reason, on_commit):
    with on_commit():
        services.reject(
            received, by=manager, reason_code=reason, explanation="Explained to the complainant."
        )
    [message] = outbox.outbox
    assert message.subject == f"[{received.reference}] Refused"
    with translation.override("en"):
        label = str(RejectReason(reason).label)
    assert f"Reason: {label}: Explained to the complainant." in message.body
    assert Message.objects.filter(purpose="refusal").get().status == "sent"


def test_a_refusal_in_chinese_gives_the_reason_in_chinese(web_complaint, manager, on_commit):
    complaint = web_complaint(complainant_language="zh-hans")
    with on_commit():
        services.reject(complaint, by=manager, reason_code="outside_remit", explanation="")
    [message] = outbox.outbox
    with translation.override("zh-hans"):
        label = str(RejectReason.OUTSIDE_REMIT.label)
    assert label != "Outside the organisation's remit"
    assert f"Reason: {label}." in message.body


def test_decision_and_follow_up_are_notified_and_a_reopened_case_is_told_again(
    make_complaint, frontline, manager, on_commit
):
    complaint = make_complaint(
        "assigned", complainant_email="amy@example.com", complainant_language="en"
    )
    with on_commit():
        complaint = services.resolve(complaint, by=frontline, **RESOLUTION)
        complaint = services.follow_up(complaint, by=frontline, outcome="dissatisfied")
        complaint = services.reopen(complaint, by=manager, reason="Not satisfied")
        complaint = services.resolve(complaint, by=frontline, **RESOLUTION)
    subjects = [m.subject.split("] ", 1)[1] for m in outbox.outbox[-5:]]
    assert subjects == ["Decision", "Survey", "Thanks", "Decision", "Survey"]
    assert "Apologised and retrained the agent" in outbox.outbox[-5].body
    assert "Agent skipped the script" not in outbox.outbox[-5].body  # root cause is internal
    purposes = list(
        Message.objects.filter(complaint=complaint)
        .order_by("event_version", "id")
        .values_list("purpose", flat=True)
    )
    assert purposes[-5:] == ["decision", "survey", "follow_up", "decision", "survey"]


def test_running_the_task_again_sends_nothing_twice(received):
    row = Message.objects.get(complaint=received)
    assert send_message(row.pk) == "nothing to send"
    assert outbox.outbox == []
    assert Message.objects.get().attempts == 1


def test_a_failed_send_is_tried_again_later(web_complaint, settings, time_machine):
    import datetime as dt

    time_machine.move_to(dt.datetime(2026, 12, 7, 2, 0, tzinfo=dt.UTC), tick=False)
    complaint = web_complaint()  # registered; its send task not run yet
    row = Message.objects.get(complaint=complaint)
    settings.EMAIL_BACKEND = "tests.intake.test_notices.BrokenBackend"
    assert send_message(row.pk).startswith("failed, next attempt")
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("queued", 1)
    assert row.last_error == "ConnectionRefusedError: smtp.example.cn:25"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.shift(dt.timedelta(minutes=1))
    assert send_message(row.pk) == "sent"
    row.refresh_from_db()
    assert (row.attempts, row.last_error) == (2, "")
    assert len(outbox.outbox) == 1


class BrokenBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.cn:25")


@pytest.mark.django_db(transaction=True)
def test_notices_sent_before_the_outbox_are_moved_into_it(make_complaint):
    """The data migration: intake's Notification rows become correspondence messages."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    complaint = make_complaint()
    Message.objects.all().delete()
    before = [("intake", "0001_notices_imported_mail_open311")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Notification = old.get_model("intake", "Notification")
    sent_at = timezone.now()
    Notification.objects.create(
        complaint_id=complaint.pk,
        kind="rejection",
        event_version=2,
        recipient="amy@example.com",
        language="en",
        subject="We cannot accept your complaint",
        message_id="<old@example.cn>",
        sent_at=sent_at,
        attempts=1,
    )
    Notification.objects.create(
        complaint_id=complaint.pk,
        kind="resolution",
        event_version=5,
        recipient="amy@example.com",
        language="en",
        last_error="ConnectionRefusedError",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    rows = list(
        Message.objects.order_by("event_version").values_list(
            "purpose", "event_key", "status", "message_id", "body", "last_error"
        )
    )
    text = "(sent before this release; text not kept)"
    assert rows == [
        ("refusal", "refusal:2", "sent", "<old@example.cn>", text, ""),
        ("decision", "decision:5", "failed", "", text, "ConnectionRefusedError"),
    ]
