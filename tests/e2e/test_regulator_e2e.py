"""The regulator export from the monthly report, in a real browser: the manager's button
downloads a workbook that opens with the documented columns."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from reporting import regulator
from tests.reporting.conftest import clock, march  # noqa: F401 - the known month, as fixtures

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def shanghai(settings):
    settings.TIME_ZONE = "Asia/Shanghai"


def test_the_regulator_workbook_downloads_from_the_monthly_report(
    page,
    login,
    march,  # noqa: F811 - the fixture imported above
    gm,
    tmp_path,
):
    login(page, gm)
    page.goto("/reports/monthly/2026/03/")

    with page.expect_download() as download:
        page.get_by_role("link", name="Regulator export (Excel)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)

    assert saved.name == "redress-regulator-v1_2026-03_org.xlsx"
    book = load_workbook(saved, read_only=True)
    assert book.sheetnames == ["Complaints", "About", "Summary"]
    rows = list(book["Complaints"].iter_rows(values_only=True))
    assert list(rows[0]) == regulator.KEYS
    assert len(rows) == 1 + 7  # March's seven complaints
    assert next(book["About"].iter_rows(values_only=True))[1] == "redress-regulator/1"
