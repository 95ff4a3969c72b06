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


def test_on_a_phone_the_list_comes_first_and_the_filters_fold(
    page, login, screenshot, frontline, make_complaint
):
    complaint = make_complaint(State.ASSIGNED, complainant_name="Han Meimei")
    login(page, frontline)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/complaints/")
    assert not page.locator("#filters").is_visible()
    row = page.locator("#complaint-list").get_by_text(complaint.reference)
    assert row.bounding_box()["y"] < 844 * 2  # within two screens, not after the whole form
    page.click("#filters-toggle")
    page.wait_for_selector("#filters.show:not(.collapsing)")  # unfolded, animation over
    page.select_option("#id_state", "assigned")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    # A filter is set: the form stays open to show it.
    assert page.locator("#filters").is_visible()
    screenshot(page, "list-phone-filtered-en", full_page=False)
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/complaints/")
    assert page.locator("#filters").is_visible()
    assert not page.locator("#filters-toggle").is_visible()


def test_on_a_phone_the_bulk_bar_folds_and_its_button_counts_the_ticked_rows(
    page, login, manager, make_complaint
):
    first = make_complaint(State.CLASSIFIED)
    make_complaint(State.CLASSIFIED)
    login(page, manager)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/complaints/")
    assert not page.locator("#bulk-bar").is_visible()
    page.locator(f"input.bulk-select[value='{first.pk}:{first.version}']").check()
    assert page.locator("#bulk-toggle-count").inner_text() == "1"
    page.click("#bulk-toggle")
    page.locator("#bulk-bar").wait_for(state="visible")
    assert page.locator("#bulk-submit").is_enabled()
