"""The list's export: what the list shows under its current filter, every page of it, streamed,
formula-safe, the complainant masked where the page masks it."""

from __future__ import annotations

import csv
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from complaints import services
from complaints.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def references(rows) -> list[str]:
    return [row[0] for row in rows[1:]]


def register(by, **fields):
    fields.setdefault("complainant_name", "Zhang Wei")
    fields.setdefault("complainant_phone", "139 0000 0000")
    return services.register(
        by=by,
        channel=fields.pop("channel", "phone"),
        description=fields.pop("description", "Rude agent"),
        **fields,
    )


def test_the_export_follows_the_filter_and_the_sort(client, manager, make_complaint):
    urgent = [make_complaint(State.CLASSIFIED, priority="urgent") for _ in range(3)]
    make_complaint(State.CLASSIFIED, priority="normal")
    client.force_login(manager)

    rows = csv_rows(client.get("/complaints/export/csv/?priority=urgent&sort=reference"))

    assert rows[0][:3] == ["Reference", "Received at", "Channel"]
    assert references(rows) == sorted(c.reference for c in urgent)
    rows = csv_rows(client.get("/complaints/export/csv/?priority=urgent&sort=-reference"))
    assert references(rows) == sorted((c.reference for c in urgent), reverse=True)


def test_another_departments_complaints_are_never_exported(
    client, manager, frontline, frontline_b, dept_b, make_complaint
):
    mine = make_complaint(State.CLASSIFIED)
    theirs = register(frontline_b, department=dept_b)
    client.force_login(manager)

    exported = references(csv_rows(client.get("/complaints/export/csv/")))
    assert mine.reference in exported
    assert theirs.reference not in exported
    # Not even when asked for by its department.
    exported = references(csv_rows(client.get(f"/complaints/export/csv/?department={dept_b.pk}")))
    assert exported == []


def test_contact_details_are_masked_where_the_page_masks_them(
    client, manager, gm, frontline, dept_a
):
    hidden = register(
        frontline,
        department=dept_a,
        confidential=True,
        subject_department=dept_a,
        complainant_name="Wang Fang",
        complainant_phone="13812345678",
    )
    client.force_login(manager)
    page = client.get("/complaints/").content.decode()
    assert "Wang Fang" not in page

    row = next(
        r for r in csv_rows(client.get("/complaints/export/csv/")) if r[0] == hidden.reference
    )
    assert "Wang Fang" not in row
    assert "13812345678" not in row
    assert "W*******g" in row
    assert "1*********8" in row

    client.force_login(gm)
    row = next(
        r for r in csv_rows(client.get("/complaints/export/csv/")) if r[0] == hidden.reference
    )
    assert "Wang Fang" in row
    assert "13812345678" in row


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_a_formula_in_a_description_is_neutralised(client, gm, frontline, dept_a, start):
    text = f'{start}HYPERLINK("http://evil.example","refund")'
    complaint = register(frontline, department=dept_a, description=text)
    client.force_login(gm)

    row = next(
        r for r in csv_rows(client.get("/complaints/export/csv/")) if r[0] == complaint.reference
    )
    assert "'" + text in row
    assert text not in row

    response = client.get("/complaints/export/xlsx/")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert "'" + text in values
    assert text not in values


def test_the_xlsx_export_follows_the_filter(client, manager, make_complaint):
    urgent = make_complaint(State.CLASSIFIED, priority="urgent")
    normal = make_complaint(State.CLASSIFIED)
    client.force_login(manager)

    response = client.get("/complaints/export/xlsx/?priority=urgent")

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    exported = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert exported == [urgent.reference]
    assert normal.reference not in exported


@pytest.mark.parametrize("moment", ["2026-03-02 23:30", "2026-03-03 00:30"])
def test_times_are_local_to_the_minute(client, gm, frontline, dept_a, moment):
    with time_machine.travel(f"{moment} +08:00", tick=False):
        complaint = register(frontline, department=dept_a)
    client.force_login(gm)
    row = next(
        r for r in csv_rows(client.get("/complaints/export/csv/")) if r[0] == complaint.reference
    )
    assert row[1] == moment


def _export_queries(client, frontline, dept_a, n: int) -> int:
    """The queries of an export of ``n`` complaints (the list holds exactly these)."""
    for i in range(n):
        register(frontline, department=dept_a, complainant_name=f"Person {i}")
    with CaptureQueriesContext(connection) as captured:
        rows = csv_rows(client.get("/complaints/export/csv/?sort=due"))
    assert len(rows) == 1 + n
    return len(captured)


def test_export_queries_do_not_grow_with_the_rows(client, gm, frontline, dept_a):
    client.force_login(gm)
    ten = _export_queries(client, frontline, dept_a, 10)
    for i in range(90):
        register(frontline, department=dept_a, complainant_name=f"More {i}")
    with CaptureQueriesContext(connection) as captured:
        rows = csv_rows(client.get("/complaints/export/csv/?sort=due"))
    assert len(rows) == 1 + 10 + 90
    assert len(captured) == ten


def test_the_export_stops_at_the_limit_and_says_so(client, gm, frontline, dept_a, settings):
    settings.REDRESS_EXPORT_MAX_ROWS = 3
    for _ in range(5):
        register(frontline, department=dept_a)
    client.force_login(gm)

    rows = csv_rows(client.get("/complaints/export/csv/"))

    assert len(rows) == 1 + 3 + 1
    assert "stops at 3 complaints" in rows[-1][0]


def test_the_headers_are_chinese_in_the_chinese_ui(client, gm, frontline, dept_a, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    register(frontline, department=dept_a)
    client.force_login(gm)

    header = csv_rows(client.get("/complaints/export/csv/"))[0]

    assert header[:4] == ["编号", "登记时间", "渠道", "状态"]
    assert "投诉人" in header and "处理人" in header


def test_an_invalid_filter_is_a_400_and_an_unknown_format_a_404(client, gm):
    client.force_login(gm)
    assert client.get("/complaints/export/csv/?received_after=not-a-date").status_code == 400
    assert client.get("/complaints/export/pdf/").status_code == 404


def test_the_export_needs_a_staff_login(client, outsider):
    assert client.get("/complaints/export/csv/").status_code == 302
    client.force_login(outsider)
    assert client.get("/complaints/export/csv/").status_code == 403


def test_the_list_links_its_export_with_the_current_filter(client, manager):
    client.force_login(manager)
    page = client.get("/complaints/?priority=urgent&after=abc&sort=due").content.decode()
    assert 'href="/complaints/export/csv/?priority=urgent&amp;sort=due"' in page
