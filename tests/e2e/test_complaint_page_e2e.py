"""The complaint page in a real browser: a stale copy refused (409) opens the same form again on
load with what was typed and a panel naming the other change; pressing the button again applies
it. In English and in Chinese, with screenshots of the conflict."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from complaints import services
from complaints.models import Complaint, State
from tests.e2e.browser import switch_language

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_stale_assign_reopens_with_the_typed_note_and_the_other_change_named(
    page, login, screenshot, manager, gm, frontline, frontline2, make_complaint, language
):
    gm.first_name, gm.last_name = "Wang", "Fang"
    gm.save(update_fields=["first_name", "last_name"])
    complaint = make_complaint(State.CLASSIFIED)
    login(page, manager)
    if language != "en":
        switch_language(page, language)
    page.goto(f"/complaints/{complaint.reference}/")

    page.click("[data-transition=assign]")
    modal = page.locator("#modal-assign")
    modal.wait_for(state="visible")
    modal.locator("select[name=assignee]").select_option(str(frontline2.pk))
    modal.locator("textarea[name=reason]").fill("Knows this customer")
    # Meanwhile the general manager assigns it to someone else.
    services.assign(complaint, by=gm, assignee=frontline)
    with page.expect_navigation():
        modal.locator("button[type=submit]").click()

    modal = page.locator("#modal-assign")
    modal.wait_for(state="visible")  # opened on load
    panel = modal.locator("#conflict")
    expect(panel).to_contain_text("Wang Fang")
    expect(panel).to_contain_text("Handler" if language == "en" else "处理人")
    assert modal.locator("textarea[name=reason]").input_value() == "Knows this customer"
    assert modal.locator("select[name=assignee]").input_value() == str(frontline2.pk)
    screenshot(page, f"complaint-conflict-{language}", full_page=False)

    with page.expect_navigation():
        modal.locator("button[type=submit]").click()
    assert Complaint.objects.get(pk=complaint.pk).assignee == frontline2
    expect(page.locator("#complaint-assignee")).to_have_text("frontline2")
