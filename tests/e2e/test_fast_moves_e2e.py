"""Fast moves in a real browser: the help overlay (?), the jump box (/), going to the list
(g l), moving down it (j) and opening a row (o), in English and in Chinese."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from complaints.models import State
from tests.e2e.browser import switch_language

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_handler_moves_around_with_the_keyboard(
    page, login, screenshot, manager, make_complaint, language
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(3)]
    login(page, manager)
    if language != "en":
        switch_language(page, language)

    # ? opens the help overlay listing every shortcut.
    page.locator("body").press("?")
    help_overlay = page.locator("#shortcuts-help")
    help_overlay.wait_for(state="visible")
    # Bootstrap moves the focus into the dialog once it has faded in; Escape then closes it.
    expect(help_overlay).to_be_focused()
    assert help_overlay.locator("kbd", has_text="j").count() == 1
    title = help_overlay.locator("#shortcuts-help-title").inner_text()
    assert title == ("Keyboard shortcuts" if language == "en" else "键盘快捷键")
    screenshot(page, f"shortcuts-help-{language}", full_page=False)
    page.keyboard.press("Escape")
    help_overlay.wait_for(state="hidden")

    # / focuses the jump box; a short number opens that complaint.
    page.locator("body").press("/")
    expect(page.locator("#jump-box")).to_be_focused()
    # Letters typed in the box are text, not shortcuts: "g l" does not leave the page.
    page.keyboard.type("gl")
    assert page.locator("#jump-box").input_value() == "gl"
    assert not page.url.endswith("/complaints/")
    page.locator("#jump-box").fill("")
    target = complaints[1]
    page.keyboard.type(str(int(target.reference.rsplit("-", 1)[1])))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/complaints/{target.reference}/")

    # g l goes to the list; j highlights the first row, j the second; o opens it.
    with page.expect_navigation():
        page.keyboard.press("g")
        page.keyboard.press("l")
    assert page.url.endswith("/complaints/")
    page.keyboard.press("j")
    page.keyboard.press("j")
    current = page.locator("#complaint-list tbody tr.shortcut-current")
    assert current.count() == 1
    reference = current.get_attribute("data-reference")
    page.keyboard.press("k")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert current.locator("input.bulk-select").is_checked()
    with page.expect_navigation():
        page.keyboard.press("o")
    assert page.url.endswith(f"/complaints/{reference}/")
