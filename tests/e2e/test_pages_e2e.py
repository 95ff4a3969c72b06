"""The finished pages in a real browser: the 404 page and the audit log, in English and
Chinese, at phone (390 px) and desktop (1440 px) widths. Screenshots:
test-artifacts/screenshots/pages-404-*.png and pages-audit-*.png."""

from __future__ import annotations

import pytest

from complaints import services

pytestmark = pytest.mark.e2e

WIDTHS = {"390": {"width": 390, "height": 844}, "1440": {"width": 1440, "height": 900}}
HEADINGS = {"en": "Page not found", "zh-hans": "页面不存在"}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_404_page_in_both_languages_with_a_way_back(
    page, live_server, login, screenshot, manager, width
):
    manager.first_name, manager.last_name = "Chen", "Jing"
    manager.save()
    page.set_viewport_size(WIDTHS[width])
    login(page, manager)
    for language in ("en", "zh-hans"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        answer = page.goto("/no/such/page/")
        assert answer.status == 404
        assert HEADINGS[language] in page.locator("h1").inner_text()
        assert page.locator("#way-back").is_visible()
        assert page_width(page) <= WIDTHS[width]["width"]
        screenshot(page, f"pages-404-staff-{language}-{width}")
        with page.expect_navigation():
            page.click("#way-back")
        assert page.url == f"{live_server.url}/"  # the dashboard

    # The complainant's side: a dead tracking link shows no staff navigation at all.
    page.context.clear_cookies()
    answer = page.goto("/track/C-2026-000000/nothing/")
    assert answer.status == 404
    assert page.locator("#public-header").is_visible()
    assert page.locator("#current-user").count() == 0
    screenshot(page, f"pages-404-public-en-{width}")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_audit_log_reads_in_labels_in_both_languages(
    page, live_server, login, screenshot, auditor, manager, make_complaint, width
):
    complaint = make_complaint("assigned")
    services.escalate(complaint, by=manager, reason="The complainant asked for a manager")
    page.set_viewport_size(WIDTHS[width])
    login(page, auditor)
    page.goto("/audit/")
    table = page.locator("#audit-log").inner_text()
    assert "Complainant name" in table and "complainant_name" not in table and "_id" not in table
    screenshot(page, f"pages-audit-en-{width}")
    page.context.add_cookies(
        [{"name": "django_language", "value": "zh-hans", "url": live_server.url}]
    )
    page.reload()
    table = page.locator("#audit-log").inner_text()
    assert "投诉人姓名" in table and "_id" not in table
    assert page_width(page) <= WIDTHS[width]["width"]
    screenshot(page, f"pages-audit-zh-hans-{width}")
