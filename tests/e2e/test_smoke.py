"""The browser fixtures themselves: Chromium starts, the live server serves CSS, login works."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_login_page_is_styled_by_bootstrap_served_from_the_live_server(page, screenshot):
    page.goto("/accounts/login/")
    css = page.request.get("/static/bootstrap/css/bootstrap.min.css")
    assert css.status == 200
    assert "text/css" in css.headers["content-type"]
    # Bootstrap applied: the dark navbar has a real background colour, not the default.
    background = page.eval_on_selector("nav.navbar", "el => getComputedStyle(el).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")
    screenshot(page, "login-en")


def test_login_helper_logs_in_through_the_form(page, login, frontline):
    login(page, frontline)
    assert "/accounts/login/" not in page.url
    assert any(c["name"] == "sessionid" for c in page.context.cookies())
    assert "frontline" in page.locator("#current-user").inner_text()
