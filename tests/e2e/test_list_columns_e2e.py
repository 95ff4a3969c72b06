"""The list's "Columns" chooser in a real browser: no script of ours involved, the filters kept."""

from __future__ import annotations

import pytest

from complaints.models import State

pytestmark = pytest.mark.e2e


def test_choosing_columns_keeps_the_filter_and_hides_the_others(
    page, login, screenshot, frontline, make_complaint
):
    make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    login(page, frontline)
    page.goto("/complaints/?state=assigned")
    page.click("#column-chooser summary")
    screenshot(page, "list-columns-chooser-en", full_page=False)
    page.uncheck("#column-complainant")
    page.uncheck("#column-category")
    with page.expect_navigation():
        page.click("#columns-form button[type=submit]")
    assert "state=assigned" in page.url
    headers = page.locator("#complaint-list thead th[data-column]").evaluate_all(
        "(cells) => cells.map((c) => c.dataset.column)"
    )
    assert headers == ["reference", "received", "state", "priority", "handler", "due"]
    assert page.locator("#complaint-list").get_by_text("Han Meimei").count() == 0
    # Filtering again keeps the choice.
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    assert page.locator("#complaint-list thead th[data-column=complainant]").count() == 0
