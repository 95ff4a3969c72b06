"""Writing to the complainant in a real browser: from the complaint page to the reply page, a
template chosen, previewed and sent, and the message on the complaint page; in English and in
Chinese, with screenshots of the reply page and its preview, also at a phone's width."""

from __future__ import annotations

import re

import pytest

from complaints.models import State
from correspondence.models import Message, MessageTemplate, Purpose
from tests.correspondence.conftest import make_templates
from tests.e2e.browser import switch_language

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("tier_groups")]

EMAIL = "li.lei@example.com"


@pytest.fixture
def sending(settings, tmp_path):
    """Messages go out in-process (no worker) into the test mail outbox."""
    settings.REDRESS_TASKS_SYNC = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def reply_templates() -> None:
    make_templates()  # the automatic notices' templates, so the page shows them sent
    texts = {
        "zh-hans": (
            "关于{{ reference }}的答复",
            "{{ complainant_name }}您好：您的投诉{{ reference }}正在处理中，我们会尽快答复您。",
        ),
        "en": (
            "About {{ reference }}",
            "Dear {{ complainant_name }}, we are looking into {{ reference }}.",
        ),
    }
    for language, (subject, body) in texts.items():
        MessageTemplate.objects.update_or_create(
            purpose=Purpose.REPLY,
            channel="email",
            language=language,
            name="Apology" if language == "en" else "致歉",
            defaults={"subject": subject, "body": body, "active": True},
        )


def write_and_send(page, complaint, *, template_label: str, shot: str, screenshot) -> None:
    page.goto(complaint.get_absolute_url())
    with page.expect_navigation():
        page.click("#write-to-complainant")
    assert page.url.endswith(f"/complaints/{complaint.reference}/write/")
    page.select_option("#id_channel", "email")
    page.select_option("#id_template", label=template_label)
    with page.expect_navigation():
        page.click("#preview-button")
    preview = page.locator("#preview")
    preview.wait_for(state="visible")
    assert complaint.reference in page.locator("#preview-text").inner_text()
    assert "{{" not in page.locator("#preview-text").inner_text()
    screenshot(page, shot)
    with page.expect_navigation():
        page.click("#send-button")
    assert re.search(rf"/complaints/{complaint.reference}/(#messages)?$", page.url)


def test_a_handler_writes_to_the_complainant_from_the_complaint_page(
    page, login, frontline, make_complaint, sending, screenshot
):
    reply_templates()
    complaint = make_complaint(State.ASSIGNED, complainant_email=EMAIL, complainant_language="en")
    login(page, frontline)
    write_and_send(
        page,
        complaint,
        template_label="Apology (Email)",
        shot="reply-preview-en",
        screenshot=screenshot,
    )
    message = Message.objects.get(complaint=complaint, created_by=frontline)
    row = page.locator(f"#messages [data-message='{message.pk}']")
    row.wait_for(state="visible")
    assert "l***@example.com" in row.inner_text()
    assert page.locator("#timeline [data-kind=communication]").count() >= 1
    screenshot(page, "reply-sent-complaint-en")


def test_the_same_in_chinese_and_at_a_phones_width(
    page, login, frontline, make_complaint, sending, screenshot
):
    reply_templates()
    complaint = make_complaint(State.ASSIGNED, complainant_email=EMAIL)
    login(page, frontline)
    switch_language(page, "zh-hans")  # the switcher folds into the menu on a phone
    page.set_viewport_size({"width": 390, "height": 844})
    write_and_send(
        page,
        complaint,
        template_label="致歉 (电子邮件)",
        shot="reply-preview-zh",
        screenshot=screenshot,
    )
    # Nothing wider than the phone's screen.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert Message.objects.filter(complaint=complaint, created_by=frontline).count() == 1
    assert page.locator("#messages .message-row").count() >= 1
    screenshot(page, "reply-sent-complaint-zh")
