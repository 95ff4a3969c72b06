"""The quarterly and annual reports in a real browser, reached from the monthly report, with
screenshots: test-artifacts/screenshots/report-quarterly-*.png and report-annual-en.png."""

from __future__ import annotations

import pytest

from tests.e2e.browser import switch_language
from tests.reporting.conftest import clock, march  # noqa: F401 - the known month, as fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_quarter_and_year_from_the_monthly_report(
    page,
    login,
    screenshot,
    march,  # noqa: F811 - the fixture imported above
    gm,
    dept_b,
):
    login(page, gm)
    page.goto("/reports/monthly/2026/03/")
    with page.expect_navigation():
        page.click("#quarter-link")
    assert page.url.endswith("/reports/quarterly/2026/Q1/")
    received = page.locator("#headline tr[data-figure=received] td")
    assert [cell.inner_text().strip() for cell in received.all()[:3]] == ["8", "1", "+7"]
    chart = page.locator("#chart-volume svg")
    assert chart.is_visible() and chart.bounding_box()["width"] > 300
    screenshot(page, "report-quarterly-en")

    page.select_option("#department-select", str(dept_b.pk))
    with page.expect_navigation():
        page.click("#department-picker button[type=submit]")
    assert page.locator("#headline tr[data-figure=received] td").first.inner_text() == "1"

    switch_language(page, "zh-hans")
    assert (
        "季度" in page.locator("h1").inner_text() or "Quarterly" in page.locator("h1").inner_text()
    )
    screenshot(page, "report-quarterly-zh")

    switch_language(page, "en")
    with page.expect_navigation():
        page.click("#year-link")
    assert "/reports/annual/2026/" in page.url
    assert page.locator("#months tbody tr").count() == 12
    screenshot(page, "report-annual-en")

    response = page.goto("/reports/quarterly/2026/Q5/")
    assert response.status == 404
    assert "There is no quarter 5" in page.locator("#bad-period").inner_text()
