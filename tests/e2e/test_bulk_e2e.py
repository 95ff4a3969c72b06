"""Bulk work in a real browser: tick rows on the list (one by one and "select all on this
page"), assign them, read the result summary, in English and in Chinese."""

from __future__ import annotations

import pytest

from complaints import services
from complaints.models import Complaint, State
from tests.e2e.browser import switch_language

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_manager_assigns_ticked_complaints_and_reads_the_summary(
    page, login, screenshot, manager, frontline, frontline2, make_complaint, language
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(3)]
    stale = make_complaint(State.CLASSIFIED)

    login(page, manager)
    if language != "en":
        switch_language(page, language)
    page.goto("/complaints/?state=classified")
    page.select_option("#id_bulk_action", "assign")
    assert page.locator("#id_bulk_assignee").is_visible()
    assert not page.locator("#id_bulk_body").is_visible()
    # Select the whole page, then untick one to leave it alone.
    page.check("#select-page")
    left_alone = complaints[0]
    page.uncheck(f"tr[data-reference='{left_alone.reference}'] input.bulk-select")
    assert page.locator("#bulk-count").inner_text().strip().endswith(("3", "3 件"))
    # Meanwhile someone else changes one of the ticked complaints.
    services.change_priority(stale, by=manager, priority="urgent", reason="Called again")
    page.select_option("#id_bulk_assignee", str(frontline2.pk))
    page.fill("#id_bulk_reason", "Share the load")
    screenshot(page, f"bulk-list-{language}")
    with page.expect_navigation():
        page.click("#bulk-submit")

    summary = page.locator("#bulk-summary").inner_text()
    assert "2" in summary and "3" in summary
    assert page.locator(f"#bulk-refused tr[data-reference='{stale.reference}']").is_visible()
    screenshot(page, f"bulk-result-{language}")
    for complaint in complaints[1:]:
        assert Complaint.objects.get(pk=complaint.pk).assignee_id == frontline2.pk
    assert Complaint.objects.get(pk=left_alone.pk).assignee_id is None
    assert Complaint.objects.get(pk=stale.pk).assignee_id is None

    with page.expect_navigation():
        page.click("#bulk-back")
    assert "/complaints/?state=classified" in page.url
