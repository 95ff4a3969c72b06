"""The intake pages in a real browser (Chromium, with the Content-Security-Policy enforced):
the earlier-complaints panel of the staff form, and the public form through to tracking."""

from __future__ import annotations

import pytest

from complaints import services
from complaints.models import Complaint

pytestmark = pytest.mark.e2e


def test_typing_a_phone_number_shows_earlier_complaints_and_links_the_repeat(
    page, login, frontline, screenshot
):
    earlier = services.register(
        by=frontline,
        channel="phone",
        description="Bill charged twice in March",
        complainant_phone="13800138000",
    )
    login(page, frontline)
    page.goto("/complaints/new/")
    page.fill("#id_complainant_phone", "+86 138 0013 8000")
    item = page.locator("#earlier-list li", has_text=earlier.reference)
    item.wait_for()
    assert "Possible duplicate" in item.inner_text()
    assert "Bill charged twice in March" in item.inner_text()
    screenshot(page, "intake-register-earlier-panel")
    item.get_by_role("button", name="Link as repeat").click()
    assert page.input_value("#id_repeat_of_reference") == earlier.reference
    page.fill("#id_description", "Still charged twice; nobody called back.")
    with page.expect_navigation():
        page.click("#register-form button[type=submit]")
    new = Complaint.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of == earlier
    assert new.created_by == frontline


def test_a_complainant_submits_the_public_form_and_tracks_the_complaint(page, screenshot):
    page.goto("/submit/")
    page.fill("#id_complainant_name", "Amy Chen")
    page.fill("#id_complainant_email", "amy@example.com")
    page.fill("#id_description", "The ticket machine took my card and kept it.")
    page.check("#id_consent")
    # The honeypot is out of sight (intake.css loaded despite the strict CSP).
    box = page.locator("#id_website").bounding_box()
    assert box is not None and box["x"] + box["width"] < 0
    with page.expect_navigation():
        page.click("#complaint-form button[type=submit]")
    reference = page.inner_text("#reference")
    code = page.inner_text("#tracking-code")
    screenshot(page, "intake-submitted")
    complaint = Complaint.objects.get()
    assert (reference, code) == (complaint.reference, complaint.tracking_code)

    page.context.clear_cookies()  # another day, another browser session
    page.goto("/track/")
    page.fill("#id_reference", reference)
    page.fill("#id_tracking_code", code)
    with page.expect_navigation():
        page.click("#track-form button[type=submit]")
    assert "Received, awaiting a decision on acceptance" in page.inner_text("#status")
    screenshot(page, "intake-track-status")
