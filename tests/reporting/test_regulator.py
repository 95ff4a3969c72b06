"""The regulator and hotline export (redress-regulator/1): the period's complaints in the
documented columns as XLSX, CSV and JSON that agree with each other, the period's figures as the
monthly report counts them, personal data left out, formulas neutralised, scoped by the
visibility rule."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from complaints import services
from intake.transfers import import_transfer
from reporting import regulator, regulator_views, selectors
from reporting.months import Month
from tests.reporting.conftest import SHANGHAI, at

DOCS = Path(__file__).resolve().parents[2] / "README.md"
# March 2026 of the ``march`` script: A, B, D, E, F, G, I were received in it (C in February,
# H a year before).
MARCH_LETTERS = "ABDEFGI"


def url(period: str, tail: str = "export.csv", department=None) -> str:
    query = f"?department={department}" if department else ""
    return f"/reports/regulator/{period}/{tail}{query}"


def api_url(period: str) -> str:
    return f"/api/v1/reports/regulator/{period}/"


def api_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def read_csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def references(march, letters: str) -> set[str]:
    return {getattr(march, letter).reference for letter in letters}


def test_the_xlsx_opens_with_the_documented_columns_and_an_about_sheet(client, gm, march):
    client.force_login(gm)

    response = client.get(url("2026-03", "export.xlsx"))

    assert response.status_code == 200
    assert response["X-Redress-Format"] == "redress-regulator/1"
    assert "redress-regulator-v1_2026-03_org.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Complaints", "About", "Summary"]
    rows = list(book["Complaints"].iter_rows(values_only=True))
    assert list(rows[0]) == regulator.KEYS
    by_reference = {row[0]: dict(zip(regulator.KEYS, row, strict=True)) for row in rows[1:]}
    assert set(by_reference) == references(march, MARCH_LETTERS)
    a = by_reference[march.A.reference]
    # A real date cell, in Shanghai time (received Mon 2026-03-02 10:00 local).
    assert a["received_at"] == at(2026, 3, 2, 10).replace(tzinfo=None)
    assert (a["channel"], a["state"], a["on_time"], a["substantiated"]) == (
        "phone",
        "closed",
        "yes",
        "yes",
    )
    assert a["follow_up_outcome"] == "satisfied"
    about = list(book["About"].iter_rows(values_only=True))
    assert about[0][1] == "redress-regulator/1"
    dictionary = about[about.index(("key", "中文", "English", "type", "meaning", "allowed values"))
                       + 1 :]  # fmt: skip
    assert [row[0] for row in dictionary] == regulator.KEYS
    assert [row[1] for row in dictionary] == [c.zh for c in regulator.COLUMNS]


def test_the_csv_parses_and_the_json_has_the_same_rows(client, gm, march):
    client.force_login(gm)

    response = client.get(url("2026-03"))
    body = api_client(gm).get(api_url("2026-03")).json()

    assert "redress-regulator-v1_2026-03_org.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert list(rows[0]) == regulator.KEYS
    assert body["format"] == "redress-regulator/1"
    assert [c["key"] for c in body["columns"]] == regulator.KEYS
    assert len(body["complaints"]) == len(rows) == len(MARCH_LETTERS)
    columns = {c.key: c for c in regulator.COLUMNS}
    for from_csv, from_json in zip(rows, body["complaints"], strict=True):
        for key, value in from_json.items():
            expected = value
            if columns[key].type == "datetime" and value:
                expected = dt.datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M:%S")
                assert value.endswith("+08:00")
            elif columns[key].type == "boolean":
                expected = {True: "yes", False: "no", None: ""}[value]
            elif value is None:
                expected = ""
            assert from_csv[key] == str(expected), key


def test_the_json_pages_through_a_period_with_a_cursor(gm, march, monkeypatch):
    monkeypatch.setattr(regulator_views, "PAGE_SIZE", 3)
    client = api_client(gm)

    seen, after, with_figures = [], "", []
    while True:
        body = client.get(api_url("2026-03"), {"after": after} if after else {}).json()
        seen += [row["reference"] for row in body["complaints"]]
        with_figures.append("summary" in body)
        if not body["next"]:
            break
        after = body["next"]

    # The dictionary and the figures come with the first page only.
    assert with_figures == [True, False, False]
    assert len(seen) == len(set(seen)) == len(MARCH_LETTERS)


def test_the_summary_agrees_with_the_monthly_report(client, gm, march):
    client.force_login(gm)

    response = client.get(url("2026-03", "summary.csv"))

    report = selectors.monthly_report(gm, selectors.Scope.organisation(), Month(2026, 3))
    expected = {row.key: "" if row.value is None else str(row.value) for row in report.rows}
    assert {row["key"]: row["value"] for row in read_csv(response)} == expected
    assert expected["received"] == str(len(MARCH_LETTERS))


@pytest.mark.parametrize(
    ("period", "letters"),
    [("2026-Q1", MARCH_LETTERS + "C"), ("2026", MARCH_LETTERS + "C"), ("2025", "H")],
)
def test_quarters_and_years_hold_every_complaint_received_in_them(
    client, gm, march, period, letters
):
    client.force_login(gm)

    rows = read_csv(client.get(url(period)))
    figures = {row["key"]: row["value"] for row in read_csv(client.get(url(period, "summary.csv")))}

    assert {row["reference"] for row in rows} == references(march, letters)
    assert figures["received"] == str(len(letters))


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-13", "There is no month 13."),
        ("2026-Q5", "is not a period"),
        ("26", "is not a period"),
        ("2026-1", "is not a period"),
        ("2099", "has not started yet"),
    ],
)
def test_a_bad_period_is_refused_with_a_message(client, gm, period, message):
    client.force_login(gm)

    response = client.get(url(period))
    api_response = api_client(gm).get(api_url(period))

    assert response.status_code == 400
    assert message in response.content.decode()
    assert api_response.status_code == 400
    assert message in api_response.json()["error"]["fields"]["period"][0]


def test_a_department_manager_gets_their_department_only(client, manager_b, march):
    client.force_login(manager_b)

    rows = read_csv(client.get(url("2026-03")))

    assert {row["reference"] for row in rows} == {march.I.reference}
    assert client.get(url("2026-03", department=march.A.department_id)).status_code == 403


def test_frontline_staff_and_strangers_get_no_export(client, frontline, outsider, march):
    for user in (frontline, outsider):
        client.force_login(user)
        assert client.get(url("2026-03")).status_code == 403
        assert api_client(user).get(api_url("2026-03")).status_code == 403


def test_auditors_get_everything_or_a_chosen_department(client, auditor, march):
    client.force_login(auditor)

    everything = read_csv(client.get(url("2026-03")))
    one = read_csv(client.get(url("2026-03", department=march.I.department_id)))

    assert len(everything) == len(MARCH_LETTERS)
    assert [row["reference"] for row in one] == [march.I.reference]


def test_no_personal_data_leaves_and_no_formula_runs(client, gm, march, frontline, manager):
    complaint = services.register(
        by=frontline,
        channel="phone",
        description="x",
        complainant_name="王芳",
        complainant_phone="13800138000",
        received_at=at(2026, 3, 30, 10),
    )
    complaint = services.classify(
        complaint,
        by=manager,
        category=march.A.category,
        priority="normal",
        department=march.A.department,
    )
    complaint = services.assign(complaint, by=manager, assignee=frontline)
    services.resolve(
        complaint,
        by=frontline,
        root_cause="x",
        resolution_summary='=HYPERLINK("http://evil.example/","Click")',
        substantiated=False,
    )
    client.force_login(gm)

    response = client.get(url("2026-03"))
    text = b"".join(response.streaming_content).decode("utf-8")

    assert "13800138000" not in text and "王芳" not in text
    row = next(
        r for r in csv.DictReader(io.StringIO(text[1:])) if r["reference"] == complaint.reference
    )
    assert row["answer"] == "'" + '=HYPERLINK("http://evil.example/","Click")'


def test_a_transferred_complaint_shows_its_platform_and_whether_it_was_answered_in_time(
    client, gm, frontline, manager, category, dept_a, time_machine_at
):
    with time_machine_at(at(2026, 3, 2, 9, 30)):
        complaint, _created = import_transfer(
            {
                "platform": "12345",
                "platform_reference": "GD-1",
                "received_at": "2026-03-02T09:00:00+08:00",
                "platform_due_at": "2026-03-02T17:00:00+08:00",
                "description": "多扣费",
                "department": dept_a.code,
            },
            by=frontline,
        )
        complaint = services.classify(
            complaint, by=manager, category=category, priority="normal", department=dept_a
        )
        complaint = services.assign(complaint, by=manager, assignee=frontline)
    with time_machine_at(at(2026, 3, 2, 18)):
        services.resolve(
            complaint,
            by=frontline,
            root_cause="x",
            resolution_summary="已退费",
            substantiated=True,
            cause="system-data",
        )
    client.force_login(gm)

    (row,) = read_csv(client.get(url("2026-03")))

    assert (row["channel"], row["platform"], row["platform_reference"]) == (
        "transfer",
        "12345",
        "GD-1",
    )
    assert row["platform_due_at"] == "2026-03-02 17:00:00"
    assert row["resolution_due_at"] == "2026-03-02 17:00:00"
    assert (row["answered_by_platform_deadline"], row["on_time"]) == ("no", "no")


def test_the_export_reads_a_fixed_number_of_queries(
    client, gm, march, django_assert_max_num_queries
):
    client.force_login(gm)
    with django_assert_max_num_queries(12):
        read_csv(client.get(url("2026-03")))
    api = api_client(gm)
    api.get(api_url("2026-03"))  # warms the report cache
    with django_assert_max_num_queries(20):
        api.get(api_url("2026-03"), {"after": "1.0"})


def test_the_docs_table_is_the_column_dictionary():
    with translation.override("en"):
        table = regulator.dictionary_markdown()
    assert table in DOCS.read_text(encoding="utf-8")
    assert re.search(r"redress-regulator/1", DOCS.read_text(encoding="utf-8"))


@pytest.fixture
def time_machine_at():
    import time_machine

    def travel(moment):
        return time_machine.travel(moment.astimezone(SHANGHAI), tick=False)

    return travel


def test_the_monthly_report_links_to_the_regulator_export(client, gm, march):
    client.force_login(gm)

    page = client.get("/reports/monthly/2026/03/").content.decode()

    assert 'href="/reports/regulator/2026-03/export.xlsx"' in page


def test_a_period_bigger_than_a_worksheet_is_cut_and_the_about_sheet_says_so(gm, march):
    from reporting import regulator_files

    period = regulator.parse_period("2026-03")
    complaints = regulator.period_complaints(gm, selectors.Scope.organisation(), period)
    handle = regulator_files.workbook(period, "All", regulator.rows(complaints), [], max_rows=5)

    book = load_workbook(handle)
    assert book["Complaints"].max_row == 1 + 5
    about = [row[0] for row in book["About"].iter_rows(values_only=True) if row and row[0]]
    assert about[-1].startswith("Cut at 5 rows")
