"""No export runs a formula (OWASP "CSV injection"): text starting with = + - @ tab or carriage
return is prefixed with a single quote in every CSV and XLSX export, XLSX text cells are strings,
and numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import time_machine
from openpyxl import load_workbook

from complaints import services
from reporting import exports
from tests.reporting.conftest import at

HOSTILE_NAME = '=HYPERLINK("http://evil.example/","Click")'
FORMULA_STARTS = exports.FORMULA_STARTS


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        (HOSTILE_NAME, "'" + HOSTILE_NAME),
        ("+8613800138000", "'+8613800138000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝1+1", "'＝1+1"),
        # Blanks and control characters in front do not hide a formula.
        ('\x0b=HYPERLINK("http://x")', '\'\x0b=HYPERLINK("http://x")'),
        ("  =1+1", "'  =1+1"),
        ("王芳", "王芳"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (Decimal("-12.50"), Decimal("-12.50")),
        (66.7, 66.7),
    ],
)
def test_every_cell_is_neutralised_in_one_place(value, written):
    assert exports.safe_cell(value) == written


def test_xlsx_text_cells_are_strings_and_numbers_stay_numbers():
    rows = [
        ["=1+1", "#N/A", "-2+3", "@A1", "\tx", "plain", "bell\x07", "\x0b=1+1"],
        [-3, Decimal("-12.50"), Decimal("66.7"), 0.5, None, "", 7, 8],
    ]
    workbook = load_workbook(exports._xlsx_file("Sheet", rows))
    text, numbers = list(workbook.active.iter_rows())
    assert [c.data_type for c in text] == ["s"] * 8
    assert [c.value for c in text] == [
        "'=1+1",
        "#N/A",
        "'-2+3",
        "'@A1",
        "'\tx",
        "plain",
        "bell",
        "'=1+1",  # the control character a workbook cannot hold is dropped, the quote stays
    ]
    assert [c.value for c in numbers] == [-3, -12.5, 66.7, 0.5, None, None, 7, 8]
    assert [c.data_type for c in numbers[:4]] == ["n"] * 4
    assert (numbers[1].number_format, numbers[2].number_format) == ("0.00", "0.0")


# --- every export, end to end -------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx_cells(response) -> list:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [cell for row in workbook.active.iter_rows() for cell in row]


def _assert_csv_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for value in row:
            assert not value.startswith(FORMULA_STARTS), value


def _assert_xlsx_safe(cells: list) -> None:
    for cell in cells:
        assert cell.data_type != "f", cell.value
        if isinstance(cell.value, str):
            assert cell.data_type == "s" and not cell.value.startswith(FORMULA_STARTS)


@pytest.fixture
def hostile(make_complaint, frontline, manager, dept_a, category):
    """Free text a complainant or a member of staff could type, where the exports show it."""
    dept_a.name = "-2+3 Service"
    dept_a.save()
    category.name = "@SUM(1+1)"
    category.save()
    category.parent.name = "=Parent"
    category.parent.save()
    with time_machine.travel(at(2026, 3, 10, 10), tick=False):
        c = make_complaint(
            "resolved", complainant_name=HOSTILE_NAME, complainant_phone="+86 138 0013 8000"
        )
        c = services.follow_up(c, by=frontline, outcome="satisfied", comment="=1+1")
    return c


@pytest.mark.django_db
def test_complaint_list_csv_and_xlsx_hold_no_formula(client, hostile, gm):
    client.force_login(gm)
    rows = _csv_rows(client.get("/reports/monthly/2026/03/complaints.csv"))
    _assert_csv_safe(rows)
    header, row = rows[0], rows[1]
    assert row[header.index("Complainant")] == "'" + HOSTILE_NAME
    assert row[header.index("Department")] == "'-2+3 Service"
    assert row[header.index("Category")] == "'=Parent / @SUM(1+1)"
    assert row[header.index("Remedy amount")] == "50.00"
    cells = _xlsx_cells(client.get("/reports/monthly/2026/03/complaints.xlsx"))
    _assert_xlsx_safe(cells)
    assert "'" + HOSTILE_NAME in [c.value for c in cells]
    amount = next(c for c in cells if c.row == 2 and c.column == header.index("Remedy amount") + 1)
    assert (amount.data_type, amount.value) == ("n", 50)


@pytest.mark.django_db
def test_figures_csv_and_xlsx_hold_no_formula(client, hostile, gm):
    with time_machine.travel(at(2026, 4, 2, 10), tick=False):
        client.force_login(gm)
        rows = _csv_rows(client.get("/reports/monthly/2026/03/figures.csv"))
        cells = _xlsx_cells(client.get("/reports/monthly/2026/03/figures.xlsx"))
    _assert_csv_safe(rows)
    assert ["'-2+3 Service", "1", "0", "1"] in rows  # the department breakdown
    _assert_xlsx_safe(cells)
    assert "'@SUM(1+1)" in [c.value for c in cells]
    received = next(c for c in cells if c.column == 2 and c.row == 2)
    assert (received.data_type, received.value) == ("n", 1)


@pytest.mark.django_db
def test_audit_csv_holds_no_formula(client, hostile, auditor):
    client.force_login(auditor)
    rows = _csv_rows(client.get("/audit/export.csv"))
    _assert_csv_safe(rows)
    reason = rows[0].index("Reason")
    assert "'=1+1" in [row[reason] for row in rows[1:]]
