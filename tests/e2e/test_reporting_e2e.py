"""The monthly report and the audit pages in a real browser, with screenshots:
test-artifacts/screenshots/report-*.png and audit-*.png."""

from __future__ import annotations

import pytest
from django.db import connection

from complaints import services
from tests.e2e.browser import switch_language
from tests.reporting.conftest import clock, march  # noqa: F401 - the known month, as fixtures

pytestmark = pytest.mark.e2e

MARCH_URL = "/reports/monthly/2026/03/"


@pytest.fixture(autouse=True)
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_monthly_report_in_english_and_chinese_with_print_layout(
    page,
    login,
    screenshot,
    march,  # noqa: F811 - the fixture imported above
    gm,
):
    login(page, gm)
    page.goto(MARCH_URL)
    headline = page.locator("#headline")
    assert headline.locator("tr[data-figure=received] td").first.inner_text().strip() == "7"
    assert "66.7%" in headline.locator("tr[data-figure=on_time_rate]").inner_text()
    trend = page.locator("#chart-trend svg")
    assert trend.is_visible() and trend.bounding_box()["width"] > 300
    # pygal's stylesheet was allowed by the CSP nonce: its text is styled, not black-on-black.
    assert (
        page.locator("#chart-trend svg .title")
        .first.evaluate("node => getComputedStyle(node).fontFamily")
        .startswith('"WenQuanYi Micro Hei"')
    )
    screenshot(page, "report-monthly-en")

    switch_language(page, "zh-hans")
    assert "投诉月度报告" in page.locator("h1").inner_text()
    assert "近12个月受理与办结的投诉" in page.locator("#chart-trend svg").inner_html()
    screenshot(page, "report-monthly-zh")

    # Printing: no navigation, no controls, the charts kept.
    page.emulate_media(media="print")
    assert not page.locator("nav.navbar").is_visible()
    assert not page.locator("#exports").is_visible()
    assert page.locator("#chart-trend svg").is_visible()
    screenshot(page, "report-monthly-print")


def test_month_picker_and_department_selector(
    page,
    login,
    march,  # noqa: F811 - the fixture imported above
    gm,
    dept_b,
):
    login(page, gm)
    page.goto(MARCH_URL)
    page.select_option("#department-select", str(dept_b.pk))
    with page.expect_navigation():
        page.click("#department-picker button[type=submit]")
    assert f"department={dept_b.pk}" in page.url
    assert page.locator("#headline tr[data-figure=received] td").first.inner_text() == "1"
    page.fill("#month-picker input[name=month]", "2026-02")
    with page.expect_navigation():
        page.click("#month-picker button[type=submit]")
    assert page.url.endswith(f"/reports/monthly/2026/02/?department={dept_b.pk}")


def test_history_audit_log_and_broken_chain_pages(
    page,
    login,
    screenshot,
    march,  # noqa: F811 - the fixture imported above
    auditor,
    manager,
):
    services.add_note(march.G, by=manager, body="经理已致电投诉人，约定周五前答复")
    login(page, auditor)
    page.goto(f"/complaints/{march.B.reference}/history/")
    assert "chain intact" in page.locator("#chain-status").inner_text()
    rows = page.locator("#history tbody tr")
    assert rows.count() >= 10
    assert "Reopened" in page.locator("#history").inner_text()
    screenshot(page, "audit-history-en")

    page.goto("/audit/")
    assert page.locator("#audit-log tbody tr").count() > 40
    screenshot(page, "audit-log-en")
    page.select_option("#id_action", "escalate")
    with page.expect_navigation():
        page.click("#audit-filters button[type=submit]")
    assert page.locator("#audit-log tbody tr").count() == 2

    # Someone edits a history row directly in the database.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_historicalcomplaint SET history_change_reason = 'nothing' "
            "WHERE id = %s AND history_transition = 'reopen'",
            [march.B.pk],
        )
    page.goto(f"/complaints/{march.B.reference}/history/")
    assert "the audit chain is broken" in page.locator("#chain-status").inner_text()
    assert page.locator("#history tr.broken-link").count() == 1
    screenshot(page, "audit-history-broken")
    page.goto("/audit/chain/")
    assert march.B.reference in page.locator("#chain-all").inner_text()
    switch_language(page, "zh-hans")
    assert page.locator("h1").inner_text() == "防篡改校验"
    assert "第一个断点" in page.locator("#chain-all").inner_text()
    screenshot(page, "audit-chain-zh")
