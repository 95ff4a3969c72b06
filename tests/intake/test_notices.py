"""Notices to complainants, sent by a real django-q2 task run (sync) to Django's locmem outbox:
acknowledgement, acceptance, rejection with every reason, resolution and follow-up, each once,
in the complainant's language."""

from __future__ import annotations

import pytest
from django.core import mail as outbox
from django.db import transaction
from django.utils import translation
from django_q.models import Task

from complaints import services
from complaints.models import Complaint, RejectReason
from intake.models import Notification
from intake.tasks import notify_complainant


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
    assert message.subject == f"[{complaint.reference}] We have received your complaint"
    assert complaint.tracking_code in message.body
    assert f"https://complaints.example.cn/track/?reference={complaint.reference}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert complaint.tracking_code in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert message.from_email == "Complaints <complaints@example.cn>"
    notification = Notification.objects.get()
    assert (notification.kind, notification.event_version) == ("acknowledgement", 1)
    assert notification.sent_at is not None
    assert notification.message_id == message.extra_headers["Message-ID"]
    # It went through django-q2: the task and its result are recorded like a worker's.
    task = Task.objects.get(func="intake.tasks.notify_complainant")
    assert task.success
    assert task.args == (complaint.pk, "acknowledgement", 1)


def test_the_acknowledgement_is_written_in_the_complainants_language(web_complaint, on_commit):
    with on_commit():
        complaint = web_complaint(complainant_language="zh-hans")
    [message] = outbox.outbox
    assert message.subject == f"[{complaint.reference}] 我们已收到您的投诉"
    assert "查询码" in message.body


def test_the_promised_reply_time_is_in_the_acknowledgement(make_complaint, on_commit):
    from datetime import timedelta

    from django.utils import timezone

    with on_commit():
        make_complaint(
            complainant_email="amy@example.com",
            complainant_language="en",
            promised_reply_at=timezone.now() + timedelta(days=1),
        )
    assert "We will reply by" in outbox.outbox[0].body


def test_no_email_address_means_no_notice_and_no_task(make_complaint, on_commit):
    with on_commit():
        make_complaint(complainant_email="")
    assert outbox.outbox == []
    assert not Notification.objects.exists()
    assert not Task.objects.exists()


def test_nothing_is_sent_for_a_registration_that_rolled_back(web_complaint, on_commit):
    with on_commit(), pytest.raises(RuntimeError), transaction.atomic():
        web_complaint()
        raise RuntimeError("the request failed after registering")
    assert outbox.outbox == []
    assert not Complaint.objects.exists()


def test_acceptance_is_notified(received, manager, category, dept_a, on_commit):
    with on_commit():
        services.classify(
            received, by=manager, category=category, priority="normal", department=dept_a
        )
    [message] = outbox.outbox
    assert message.subject == f"[{received.reference}] Your complaint has been accepted"
    assert "Customer service" not in message.body  # no department or staff names
    assert "manager" not in message.body


@pytest.mark.parametrize("reason", RejectReason.values)
def test_every_rejection_reason_is_notified_with_the_reason(received, manager, reason, on_commit):
    with on_commit():
        services.reject(
            received, by=manager, reason_code=reason, explanation="Explained to the complainant."
        )
    [message] = outbox.outbox
    assert message.subject == f"[{received.reference}] We cannot accept your complaint"
    with translation.override("en"):
        label = str(RejectReason(reason).label)
    assert f"Reason: {label}" in message.body
    assert "Explained to the complainant." in message.body
    assert label in message.alternatives[0][0].replace("&#x27;", "'")
    complaint = Complaint.objects.get(pk=received.pk)
    assert (complaint.state, complaint.reject_reason) == ("rejected", reason)


def test_a_rejection_notice_in_chinese_gives_the_reason_in_chinese(
    web_complaint, manager, on_commit
):
    complaint = web_complaint(complainant_language="zh-hans")
    with on_commit():
        services.reject(complaint, by=manager, reason_code="outside_remit", explanation="")
    [message] = outbox.outbox
    with translation.override("zh-hans"):
        label = str(RejectReason.OUTSIDE_REMIT.label)
    assert label != "Outside the organisation's remit"
    assert label in message.body


def test_resolution_and_follow_up_are_notified_and_a_reopened_case_is_told_again(
    make_complaint, frontline, manager, on_commit
):
    complaint = make_complaint(
        "assigned", complainant_email="amy@example.com", complainant_language="en"
    )
    from tests.conftest import RESOLUTION

    with on_commit():
        complaint = services.resolve(complaint, by=frontline, **RESOLUTION)
        complaint = services.follow_up(complaint, by=frontline, outcome="dissatisfied")
        complaint = services.reopen(complaint, by=manager, reason="Not satisfied")
        complaint = services.resolve(complaint, by=frontline, **RESOLUTION)
    subjects = [m.subject.split("] ", 1)[1] for m in outbox.outbox[-3:]]
    assert subjects == [
        "Our answer to your complaint",
        "Thank you for your feedback",
        "Our answer to your complaint",
    ]
    assert "Apologised and retrained the agent" in outbox.outbox[-3].body
    assert "Agent skipped the script" not in outbox.outbox[-3].body  # root cause is internal
    assert "goes back to its handler" in outbox.outbox[-2].body
    kinds = list(
        Notification.objects.filter(complaint=complaint)
        .order_by("event_version")
        .values_list("kind", flat=True)
    )
    assert kinds[-3:] == ["resolution", "follow_up", "resolution"]


def test_running_the_task_again_sends_nothing_twice(received):
    notification = Notification.objects.get(complaint=received)
    assert notify_complainant(received.pk, "acknowledgement", 1) == "already sent"
    assert outbox.outbox == []
    assert Notification.objects.get().attempts == notification.attempts == 1


def test_a_failed_send_releases_the_claim_and_a_retry_sends_it(web_complaint, settings):
    complaint = web_complaint()  # registered; its notice task not run yet
    settings.EMAIL_BACKEND = "tests.intake.test_notices.BrokenBackend"
    with pytest.raises(ConnectionRefusedError):
        notify_complainant(complaint.pk, "acknowledgement", 1)
    failed = Notification.objects.get()
    assert failed.sent_at is None
    assert "ConnectionRefusedError" in failed.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify_complainant(complaint.pk, "acknowledgement", 1).startswith("sent")
    sent = Notification.objects.get()
    assert (sent.attempts, sent.last_error) == (2, "")
    assert len(outbox.outbox) == 1


class BrokenBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp.example.cn:25")
