"""Issue 14's "done when", walked end to end with the default templates of the 话术库: a
phone-only complaint is registered, accepted, extended, answered from a template, resolved and
sent a written decision; the complainant hears each step by text message, and their survey
answer from the public page is the follow-up that the month's satisfaction figure counts."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pypdfium2
import pytest
import time_machine
from django.utils.html import escape

from complaints import services as core
from complaints.models import Complaint, State
from correspondence import rendering, services
from correspondence.models import Message, MessageTemplate
from escalation import services as sla
from reporting import selectors
from reporting.months import Month
from tests.conftest import RESOLUTION

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday morning, out of the quiet hours, so every text goes at once.
MONDAY_10 = dt.datetime(2026, 12, 7, 10, tzinfo=SHANGHAI)
PHONE = "138 0013 8000"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def pdf_text(path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_a_phone_only_complaint_hears_every_step_and_its_survey_closes_the_loop(
    client, clock, on_commit, sms_outbox, frontline, manager, category, dept_a, settings
):
    # 1. Registered at the hotline with a phone number only.
    with on_commit():
        complaint = core.register(
            by=frontline,
            channel="phone",
            description="ETC 通行费被重复扣了两次。",
            request="退还多扣的费用",
            complainant_name="王芳",
            complainant_phone=PHONE,
            department=dept_a,
        )
    # 2. Accepted (classified) and given to its handler.
    with on_commit():
        complaint = core.classify(
            complaint, by=manager, category=category, priority="normal", department=dept_a
        )
        complaint = core.assign(complaint, by=manager, assignee=frontline)
    # 3. More time: the manager grants an extension. On the call the complainant asks for the
    #    decision in writing too and gives a postal address.
    clock.shift(dt.timedelta(days=1))
    with on_commit():
        request = sla.request_extension(
            complaint,
            by=frontline,
            proposed_due_at=MONDAY_10 + dt.timedelta(days=30),
            reason="需要银行核对扣费记录",
        )
        sla.decide_extension(request, by=manager, approve=True)
        core.update_details(
            fresh(complaint),
            by=frontline,
            changes={"complainant_address": "杭州市西湖区文三路100号3栋201室"},
            reason="投诉人要求书面答复",
        )
    # 4. The handler writes from a reply snippet on the reply page: preview, then send.
    client.force_login(frontline)
    snippet = MessageTemplate.objects.filter(
        purpose="reply", channel="sms", language="zh-hans", active=True
    ).first()
    page = f"/complaints/{complaint.reference}/write/"
    form = {"channel": "sms", "template": snippet.pk, "subject": "", "body": "", "key": "k-1"}
    previewed = client.post(page, form)
    assert previewed.status_code == 200
    expected = rendering.render(
        subject="",
        body=snippet.body,
        context=rendering.context_for(fresh(complaint), language="zh-hans"),
        language="zh-hans",
    )
    assert escape(expected.text.splitlines()[0]) in previewed.content.decode()
    with on_commit():
        sent = client.post(page, {**form, "send": "1"})
    assert sent.status_code == 302
    # 5. Resolved: the decision, then the survey.
    clock.shift(dt.timedelta(days=2))
    with on_commit():
        complaint = core.resolve(fresh(complaint), by=frontline, **RESOLUTION)
    # 6. The written decision (处理意见书) as a letter, from its template.
    letter_template = MessageTemplate.objects.get(
        purpose="decision", channel="letter", language="zh-hans"
    )
    with on_commit():
        letter = services.send_reply(
            fresh(complaint),
            by=frontline,
            channel="letter",
            key="letter-1",
            purpose="decision",
            template=letter_template,
        )
    letter.refresh_from_db()
    assert letter.status == Message.Status.TO_POST
    assert letter.attachment.content_type == "application/pdf"
    text = pdf_text(letter.attachment.file.path)
    assert "处理意见书" in text and complaint.reference in text
    assert "Apologised and retrained the agent" in text
    services.mark_posted(letter, by=frontline)

    # Every step reached the complainant's mobile, in Chinese, through the one outbox.
    texts = [m.text for m in sms_outbox]
    assert {m.to for m in sms_outbox} == {"+8613800138000"}
    purposes = list(
        Message.objects.filter(complaint=complaint, channel="sms")
        .order_by("created_at", "id")
        .values_list("purpose", "status")
    )
    assert purposes == [
        ("acknowledgement", "sent"),
        ("acceptance", "sent"),
        ("extension", "sent"),
        ("reply", "sent"),
        ("decision", "sent"),
        ("survey", "sent"),
    ]
    assert all(complaint.reference in t for t in texts)
    assert "需要银行核对扣费记录" in texts[2]
    for message in Message.objects.filter(complaint=complaint):
        assert message.history.exists()
    # The handler's reply and the posted letter are on the timeline as communications.
    media = list(complaint.communications.filter(direction="out").values_list("medium", "author"))
    assert media == [("sms", frontline.pk), ("letter", frontline.pk)]

    # 7. The complainant opens the survey link from the text on their phone and answers.
    client.logout()
    clock.shift(dt.timedelta(hours=3))
    (link,) = re.findall(r"https?://\S+/survey/\S+/", texts[-1])
    path = link.split(settings.REDRESS_PUBLIC_BASE_URL, 1)[1]
    page = client.get(path)
    assert page.status_code == 200
    assert "满意" in page.content.decode() and "王芳" not in page.content.decode()
    answered = client.post(path, {"outcome": "satisfied", "comment": "处理及时"})
    assert answered.status_code == 200

    complaint = fresh(complaint)
    assert complaint.state == State.FOLLOWED_UP
    assert complaint.follow_up_outcome == "satisfied"
    row = complaint.history.filter(history_transition="follow_up").get()
    assert row.history_user is None and "处理及时" in row.history_change_reason
    december = selectors.compute_bundle(selectors.Scope.organisation(), Month(2026, 12))
    assert december["figures"]["satisfaction_rate"] == {"num": 1, "den": 1}
    # The link is used up: a second visit shows no complaint data.
    again = client.get(path)
    assert again.status_code == 410 and complaint.reference not in again.content.decode()
