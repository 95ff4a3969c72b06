"""The complainant answers the satisfaction survey on a phone-sized screen, in both languages."""

from __future__ import annotations

import pytest

from complaints.models import Complaint, State
from correspondence import survey
from correspondence.models import Message

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_complainant_answers_the_survey_on_a_phone(page, screenshot, make_complaint):
    complaint = make_complaint(
        State.RESOLVED, complainant_name="王芳", description="收费员态度恶劣"
    )
    # The resolution queued the survey text; here it has gone out.
    Message.objects.update_or_create(
        complaint=complaint,
        channel="sms",
        event_key=f"survey:{complaint.version}",
        defaults={
            "purpose": "survey",
            "event_version": complaint.version,
            "recipient": "+8613800138000",
            "language": "zh-hans",
            "body": survey.link_for(complaint),
            "status": Message.Status.SENT,
        },
    )
    link = f"/survey/{survey.make_token(complaint)}/"
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.set_viewport_size(PHONE)

    # The complainant's language first (Chinese), whatever the browser asks for.
    page.goto(link)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#survey-reference").inner_text() == complaint.reference
    assert page.get_by_text("基本满意").is_visible()
    body = page.locator("body").inner_text()
    assert "王芳" not in body and "收费员" not in body
    assert fits_the_screen(page)
    screenshot(page, "survey-zh-hans-390")

    with page.expect_navigation():
        page.click("#survey-languages a[lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_text("Basically satisfied").is_visible()
    assert fits_the_screen(page)
    screenshot(page, "survey-en-390")

    page.click("label[for=outcome-basically_satisfied]")
    page.fill("textarea[name=comment]", "The refund came quickly.")
    with page.expect_navigation():
        page.click("#survey-submit")
    assert page.locator("#survey-thanks").is_visible()
    assert complaint.reference in page.locator("#survey-thanks").inner_text()
    assert fits_the_screen(page)
    screenshot(page, "survey-thanks-en-390")

    answered = Complaint.objects.get(pk=complaint.pk)
    assert answered.state == State.FOLLOWED_UP
    assert answered.follow_up_outcome == "basically_satisfied"
    assert answered.follow_up_comment == "The refund came quickly."

    # The same link again: the polite page, nothing of the complaint.
    page.goto(link)
    assert page.locator("#survey-closed").is_visible()
    assert complaint.reference not in page.locator("body").inner_text()
    screenshot(page, "survey-used-en-390")
    # No inline script or style was refused by the Content-Security-Policy.
    assert not [p for p in problems if "Content Security Policy" in p], problems
