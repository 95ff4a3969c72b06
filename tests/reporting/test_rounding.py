"""Percentages and averages round half up to one decimal (DOMAIN.md), from the exact values, and
the page, the CSV, the XLSX and the API show the same numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reporting import figures
from reporting.templatetags.reporting_tags import figure

MARCH_URL = "/reports/monthly/2026/03/"


@pytest.mark.parametrize(
    ("num", "den", "shown"),
    [
        (9496, 10000, "95.0"),  # 94.96 %: truncation said 94.9
        (1899, 2000, "95.0"),  # 94.95 %: half up
        (1, 2000, "0.1"),  # 0.05 %
        (2, 3, "66.7"),
        (1, 8, "12.5"),
        (1, 800, "0.1"),  # 0.125 %: the second decimal decides, 2 < 5
        (1, 400, "0.3"),  # 0.25 %: half up, where round() on a float gives 0.2
        (10, 11, "90.9"),
        (0, 7, "0.0"),
        (7, 7, "100.0"),
    ],
)
def test_rates_round_half_up_from_their_counts(num, den, shown):
    assert figures.percent({"num": num, "den": den}) == Decimal(shown)
    assert str(figures.percent({"num": num, "den": den})) == shown


def test_nothing_to_rate_is_no_percentage():
    assert figures.percent({"num": 0, "den": 0}) is None
    assert figures.percent(None) is None


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (94.96, "95.0"),
        (0.05, "0.1"),
        (0.125, "0.1"),
        (0.15, "0.2"),  # the binary float is 0.1499…; it is read as the 0.15 it prints as
        (2.675, "2.7"),
        (35.25, "35.3"),
        (Decimal("4.75"), "4.8"),
        (12, "12.0"),
    ],
)
def test_figures_round_half_up_to_one_decimal(value, shown):
    assert str(figures.one_decimal(value)) == shown


@pytest.mark.parametrize(
    ("seconds", "hours"),
    [(126900, 35.3), (5580, 1.6), (3779.99, 1.0), (3780, 1.1), (None, None)],
)
def test_hours_round_half_up_once_from_the_exact_seconds(seconds, hours):
    assert figures._hours(seconds) == hours


def test_the_template_filter_rounds_instead_of_truncating():
    assert figure(94.96, "rate") == "95.0%"
    assert figure(Decimal("12.96"), "hours") == "13.0"
    assert figure(Decimal("66.7"), "rate") == "66.7%"
    assert figure(None, "rate") == "—"


# --- the page, the exports and the API agree -----------------------------------------------------


def _csv(response) -> dict[str, list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row[0]: row for row in csv.reader(io.StringIO(body)) if row}


def _xlsx(response) -> dict[str, list]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}


def _page_value(html: str, key: str) -> str:
    """The month's value in the headline row of ``key`` on the page."""
    row = re.search(rf'<tr data-figure="{key}".*?<td[^>]*>\s*([^<\s]+)', html, re.DOTALL)
    return row.group(1)


@pytest.mark.django_db
def test_page_csv_xlsx_and_api_show_the_same_rounded_figures(client, march, gm, dept_a):
    client.force_login(gm)
    page = client.get(MARCH_URL)
    report = page.context["report"]
    html = page.content.decode()
    rows = _csv(client.get(MARCH_URL + "figures.csv"))
    cells = _xlsx(client.get(MARCH_URL + "figures.xlsx"))
    api = {f["key"]: f for f in client.get("/api/v1/reports/monthly/2026-03/").json()["figures"]}

    # The script's exact values: 35.25 h, 4.75 h, 2/3, 3/4, and B's contacts 2 of 3 satisfied.
    expected = {
        "first_response_hours_median": "35.3",
        "first_response_working_hours_median": "4.8",
        "resolution_hours_avg": "58.3",
        "on_time_rate": "66.7",
        "satisfaction_rate": "66.7",
        "resolution_rate": "75.0",
        "remedy_total": "250.00",
    }
    for row in report.rows:
        if row.key not in expected:
            continue
        shown = expected[row.key]
        assert str(row.value) == shown, row.key
        assert _page_value(html, row.key) == shown + ("%" if row.kind == "rate" else ""), row.key
        assert rows[str(row.label)][1] == shown, row.key
        cell = cells[str(row.label)][1]
        assert cell.data_type == "n" and Decimal(str(cell.value)) == Decimal(shown), row.key
        assert cell.number_format == ("0.00" if row.kind == "money" else "0.0"), row.key
        assert api[row.key]["value"] == float(shown), row.key

    league = next(r for r in report.league if r["department_id"] == dept_a.pk)
    assert league["satisfaction_rate"] == Decimal("66.7")  # B's two contacts and A's one
    assert rows[dept_a.name][4] == "66.7"
    assert cells[dept_a.name][4].value == 66.7
    api_league = client.get("/api/v1/reports/monthly/2026-03/").json()["league"]
    assert (
        next(r for r in api_league if r["department_id"] == dept_a.pk)["satisfaction_rate"] == 66.7
    )
