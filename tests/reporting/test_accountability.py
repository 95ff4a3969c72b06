"""The accountability table (责任认定统计): per responsible unit and person, for a month, quarter or
year, computed in SQL, scoped by the visibility rule, exported safely.

November 2026 (Asia/Shanghai), worked out by hand:

    c1  dept A, names frontline. Resolved 11-03 (due 11-05: on time), satisfied at follow-up.
        Contested 11-05, upheld.
    c2  dept A, names frontline. MAJOR, a repeat of c1. Resolved 11-10 (due 11-09: late),
        dissatisfied at follow-up. Contested 11-12, overturned: it no longer names frontline.
    c3  dept A, names frontline. Resolved 10-20 (October: in Q4 and 2026, not in November).
    c4  dept B, names frontline_b. Resolved 11-15, unreachable at follow-up.
    c5  dept A, names nobody. Resolved 11-20.
    c6  resolved 11-21 but not substantiated: never counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine

from complaints import accountability as contests
from complaints.models import Complaint, State
from reporting.accountability import Period, accountability_table
from tests.reporting.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def november(make_complaint, frontline, frontline_b, manager, dept_a, dept_b, settings):
    settings.ESCALATION_TASKS_SYNC = True

    def finding(when, *, department, person, outcome="satisfied", **fields):
        with time_machine.travel(when, tick=False):
            complaint = make_complaint(State.FOLLOWED_UP, outcome=outcome)
        Complaint.objects.filter(pk=complaint.pk).update(
            responsible_department=department,
            responsible_person=person,
            responsibility_finding="Skipped the script",
            responsibility_found_at=when,
            **fields,
        )
        return Complaint.objects.get(pk=complaint.pk)

    c1 = finding(
        at(2026, 11, 3, 10),
        department=dept_a,
        person=frontline,
        resolution_due_at=at(2026, 11, 5, 10),
    )
    c2 = finding(
        at(2026, 11, 10, 10),
        department=dept_a,
        person=frontline,
        outcome="dissatisfied",
        priority="major",
        repeat_of=c1,
        resolution_due_at=at(2026, 11, 9, 10),
    )
    finding(at(2026, 10, 20, 10), department=dept_a, person=frontline, resolution_due_at=None)
    finding(
        at(2026, 11, 15, 10),
        department=dept_b,
        person=frontline_b,
        outcome="unreachable",
        resolution_due_at=None,
    )
    finding(
        at(2026, 11, 20, 10),
        department=dept_a,
        person=None,
        outcome="satisfied",
        resolution_due_at=None,
    )
    finding(at(2026, 11, 21, 10), department=dept_a, person=frontline, substantiated=False)
    for complaint, day, outcome in ((c1, 5, "upheld"), (c2, 12, "overturned")):
        with time_machine.travel(at(2026, 11, day, 9), tick=False):
            row = contests.contest(complaint, by=frontline, reason="Not me")
            contests.decide_contest(row, by=manager, outcome=outcome, note="Checked the rota")


def figures(row) -> dict:
    return {
        "substantiated": row.get("substantiated"),
        "major": row.get("major"),
        "repeats": row.get("repeats"),
        "on_time": row.on_time_rate,
        "satisfaction": row.satisfaction_rate,
        "contests": row.get("contests"),
        "overturned": row.get("overturned"),
    }


def test_the_gm_reads_every_unit_and_person_for_a_month(november, gm):
    table = accountability_table(gm, Period.parse("2026-11"))
    units = {row.name: figures(row) for row in table.units}
    assert units == {
        "Customer service": {
            "substantiated": 3,
            "major": 1,
            "repeats": 1,
            "on_time": Decimal("50.0"),
            "satisfaction": Decimal("66.7"),
            "contests": 2,
            "overturned": 1,
        },
        "Billing": {
            "substantiated": 1,
            "major": 0,
            "repeats": 0,
            "on_time": None,
            "satisfaction": None,
            "contests": 0,
            "overturned": 0,
        },
    }
    people = {row.name: figures(row) for row in table.people}
    assert people["frontline"] == {
        "substantiated": 1,
        "major": 0,
        "repeats": 0,
        "on_time": Decimal("100.0"),
        "satisfaction": Decimal("100.0"),
        "contests": 2,
        "overturned": 1,
    }
    assert people["frontline_b"]["substantiated"] == 1


@pytest.mark.parametrize(("period", "substantiated"), [("2026-Q4", 4), ("2026", 4), ("2026-Q3", 0)])
def test_a_quarter_and_a_year_count_every_resolution_in_them(november, gm, period, substantiated):
    table = accountability_table(gm, Period.parse(period))
    unit = next((row for row in table.units if row.name == "Customer service"), None)
    assert (unit.get("substantiated") if unit else 0) == substantiated


def test_a_manager_reads_their_unit_and_its_people_only(november, manager):
    table = accountability_table(manager, Period.parse("2026-11"))
    assert [row.name for row in table.units] == ["Customer service"]
    assert [row.name for row in table.people] == ["frontline"]


def test_frontline_staff_read_their_own_row_only(november, frontline_b):
    table = accountability_table(frontline_b, Period.parse("2026-11"))
    assert table.units == []
    assert [(row.name, row.get("substantiated")) for row in table.people] == [("frontline_b", 1)]


def test_the_table_costs_five_queries_whatever_the_data(november, gm, django_assert_num_queries):
    assert gm.staff_profile.tier == "gm"  # loaded once, as a request has it already
    with django_assert_num_queries(5):
        accountability_table(gm, Period.parse("2026"))


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "26", "november", "2026-Q"])
def test_a_bad_period_is_a_400_with_a_message(client, gm, text):
    client.force_login(gm)
    response = client.get("/reports/accountability/", {"period": text})
    assert response.status_code == 400
    assert "a quarter (2026-Q4)" in response.content.decode()


def test_the_page_shows_the_table_in_a_fixed_number_of_queries(
    client, november, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        response = client.get("/reports/accountability/", {"period": "2026-11"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Customer service" in page and "66.7%" in page and "Billing" not in page


def test_an_outsider_is_refused(client, outsider):
    client.force_login(outsider)
    assert client.get("/reports/accountability/").status_code == 403


def test_the_csv_export_is_the_table_with_formulas_neutralised(client, november, gm, dept_b):
    dept_b.name = "=HYPERLINK(1)"
    dept_b.save()
    client.force_login(gm)
    response = client.get("/reports/accountability/export.csv", {"period": "2026-11"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert ["Customer service", "3", "1", "1", "50.0", "66.7", "2", "1"] in rows
    assert any(row and row[0] == "'=HYPERLINK(1)" for row in rows)


def test_the_xlsx_export_opens_with_the_same_rows(client, november, gm):
    from openpyxl import load_workbook

    client.force_login(gm)
    response = client.get("/reports/accountability/export.xlsx", {"period": "2026-Q4"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any(row[0] == "Customer service" and row[1] == 4 for row in values)


def test_the_period_boundaries_follow_the_organisation_time_zone():
    period = Period.parse("2026-Q4")
    assert period.start == at(2026, 10, 1, 0)
    assert period.end == at(2027, 1, 1, 0)
    assert Period.parse("2026").end - Period.parse("2026").start == dt.timedelta(days=365)


def test_the_api_gives_the_same_table_as_json_scoped_alike(november, manager):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=manager).key}")
    body = client.get("/api/v1/reports/accountability/", {"period": "2026-11"}).json()
    assert body["period"] == "2026-11"
    assert [(u["name"], u["substantiated"], u["satisfaction_rate"]) for u in body["units"]] == [
        ("Customer service", 3, "66.7")
    ]
    assert [p["name"] for p in body["people"]] == ["frontline"]
    bad = client.get("/api/v1/reports/accountability/", {"period": "2026-Q9"})
    assert bad.status_code == 400 and "period" in bad.json()["error"]["fields"]
