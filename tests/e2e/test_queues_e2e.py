"""The Queues menu in a real browser: a manager opens it, sees the counts and their saved and
department views, opens a saved view and a complaint's clocks; screenshots in English and
Chinese."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import saved_views, services
from complaints.models import State
from tests.e2e.browser import switch_language

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_queues_menu_and_a_saved_view(
    page, login, screenshot, language, manager, frontline, make_complaint
):
    overdue = make_complaint(State.ASSIGNED, complainant_name="张伟")
    services.set_deadlines(
        overdue, by=None, action="sla", reason="", next_due_at=timezone.now() - timedelta(hours=3)
    )
    make_complaint(State.CLASSIFIED, complainant_name="李娜")
    saved_views.create_view(by=manager, name="Urgent open", query="state=open", sort="due")
    saved_views.create_view(by=manager, name="Team overdue", query="overdue=true", share=True)

    login(page, manager)
    if language != "en":
        switch_language(page, language)
    suffix = "en" if language == "en" else "zh"

    badge = page.locator('#queues-toggle [data-queue-badge="overdue"]')
    assert badge.inner_text().strip() == "1"
    page.click("#queues-toggle")
    menu = page.locator("#queues-menu .dropdown-menu")
    menu.wait_for(state="visible")
    assert menu.locator("a[data-queue]").count() == 6
    assert menu.locator('a[data-queue="overdue"] .queue-count').inner_text().strip() == "1"
    assert menu.locator("a[data-saved-view]").count() == 2
    screenshot(page, f"queues-menu-{suffix}")

    with page.expect_navigation():
        menu.locator("a[data-saved-view]", has_text="Team overdue").click()
    assert re.search(r"/complaints/\?.*overdue=true", page.url)
    assert "Team overdue" in page.locator("#current-view").inner_text()
    assert page.locator("#complaint-list tbody tr").count() == 1
    assert overdue.reference in page.locator("#complaint-list").inner_text()
    screenshot(page, f"saved-view-{suffix}")

    with page.expect_navigation():
        page.click(f"#complaint-list a:has-text('{overdue.reference}')")
    clocks = page.locator("#clocks")
    assert clocks.is_visible()
    # Only the escalation app's next deadline is set here: shown, and overdue.
    assert clocks.locator('[data-clock="next"]').get_attribute("data-clock-status") == "overdue"
    assert page.locator("#deadlines-link").get_attribute("href") == (
        f"/escalation/complaints/{overdue.reference}/"
    )
    screenshot(page, f"complaint-clocks-{suffix}")

    with page.expect_navigation():
        page.click("#queues-toggle")
        page.click('#queues-menu a[data-queue="unassigned"]')
    assert "queue=unassigned" in page.url
    assert page.locator("#current-queue").is_visible()
