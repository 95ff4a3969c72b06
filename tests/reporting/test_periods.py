"""Quarterly and annual reports: the monthly figures summed over a quarter and a year, frozen
once their last month is issued, beside the same period a year earlier, with charts, exports
and the API; bad periods get a clear 404.

The data is the March 2026 script of ``conftest.py`` (C received in February, H in March
2025), so Q1 2026 holds February's and March's complaints and Q1 2025 holds H.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from complaints import services
from reporting import figures, period_selectors, period_services, selectors, tasks
from reporting.models import MonthlySnapshot, PeriodSnapshot
from reporting.months import Month
from reporting.periods import Period
from tests.conftest import root_cause

from .conftest import SHANGHAI, at

pytestmark = pytest.mark.django_db

Q1 = Period(2026, 1)
Q1_URL = "/reports/quarterly/2026/Q1/"
YEAR_URL = "/reports/annual/2026/"
COUNTS = [key for key, _label, kind in figures.HEADLINE if kind == "count"]
RATES = [key for key, _label, kind in figures.HEADLINE if kind == "rate"]


def login(client, user):
    client.force_login(user)
    return client


def row(response, key):
    return next(r for r in response.context["report"].rows if r.key == key)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


# --- sums and freezing --------------------------------------------------------------------------


def test_an_issued_quarter_is_the_sum_of_its_three_issued_months(march, dept_a, dept_b):
    issued = period_services.issue_period_snapshots(Q1)
    assert {s.scope for s in issued} == {"org", f"dept-{dept_a.pk}", f"dept-{dept_b.pk}"}
    for scope in ("org", f"dept-{dept_a.pk}", f"dept-{dept_b.pk}"):
        quarter = PeriodSnapshot.objects.get(period="2026-Q1", scope=scope).figures["figures"]
        months = [
            s.figures["figures"]
            for s in MonthlySnapshot.objects.filter(
                scope=scope, month__in=[m.first_day for m in Q1.months]
            )
        ]
        assert len(months) == 3
        for key in COUNTS:
            if key == "open_at_month_end":
                continue
            assert quarter[key] == sum(m[key] for m in months), key
        for key in RATES:
            assert quarter[key] == {
                "num": sum(m[key]["num"] for m in months),
                "den": sum(m[key]["den"] for m in months),
            }, key
        march_figures = MonthlySnapshot.objects.get(
            scope=scope, month=Month(2026, 3).first_day
        ).figures["figures"]
        assert quarter["open_at_month_end"] == march_figures["open_at_month_end"]
    org = PeriodSnapshot.objects.get(period="2026-Q1", scope="org").figures["figures"]
    # February: C. March: A, B, D, E, F, G, I.
    assert org["received"] == 8
    # A and C met their deadline... C had none; A and I on time, B late: 2 of 3.
    assert figures.percent(org["on_time_rate"]) == figures.percent({"num": 2, "den": 3})
    assert period_services.issue_period_snapshots(Q1) == []  # idempotent


def test_the_year_is_the_sum_of_its_twelve_months_and_agrees_with_its_quarters(march):
    assert period_services.issue_period_snapshots(Period(2026))
    year_figures = PeriodSnapshot.objects.get(period="2026", scope="org").figures["figures"]
    quarter_totals = {key: 0 for key in ("received", "resolved", "closed", "reopened")}
    for n in range(1, 5):
        period_services.issue_period_snapshots(Period(2026, n))
        q = PeriodSnapshot.objects.get(period=f"2026-Q{n}", scope="org").figures["figures"]
        for key in quarter_totals:
            quarter_totals[key] += q[key]
    assert {key: year_figures[key] for key in quarter_totals} == quarter_totals
    assert year_figures["received"] == 8


@pytest.fixture(autouse=True)
def after_the_year():
    """The suite's real clock may be anywhere; these tests read 2026 as finished (15 January
    2027, Shanghai) unless they move the clock further themselves."""
    with time_machine.travel(dt.datetime(2027, 1, 15, 10, tzinfo=SHANGHAI), tick=False):
        yield


def test_a_frozen_quarter_does_not_change_after_a_late_correction(
    client, march, gm, manager, django_capture_on_commit_callbacks
):
    period_services.issue_period_snapshots(Q1)
    response = login(client, gm).get(Q1_URL)
    assert response.context["report"].showing_issued
    assert row(response, "repeat_complaints").value == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.link_repeat(march.F, repeat_of=march.A, by=manager, reason="Same caller")
    response = client.get(Q1_URL)
    assert row(response, "repeat_complaints").value == 1  # as issued
    assert "Issued when its last month was issued" in response.content.decode()
    live = client.get(Q1_URL, {"live": "1"})
    assert row(live, "repeat_complaints").value == 2
    assert row(live, "repeat_complaints").changed
    assert row(live, "repeat_complaints").other == 1
    assert "1 figure changed after this report was issued" in live.content.decode()


def test_the_scheduled_task_issues_the_quarter_its_last_month_ended(march, dept_a):
    with time_machine.travel(dt.datetime(2026, 4, 1, 0, 15, tzinfo=SHANGHAI), tick=False):
        assert tasks.issue_month_end_reports() >= 1
        issued = tasks.issue_period_end_reports()
        assert issued >= 1
        assert tasks.issue_period_end_reports() == 0
    assert PeriodSnapshot.objects.filter(period="2026-Q1", scope="org").exists()
    assert not PeriodSnapshot.objects.filter(period="2026").exists()


# --- the pages ----------------------------------------------------------------------------------


def test_quarter_page_shows_the_summed_figures_beside_the_same_quarter_last_year(client, march, gm):
    response = login(client, gm).get(Q1_URL)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.scope.kind == "org"
    assert not report.provisional and not report.showing_issued
    received = row(response, "received")
    assert (received.value, received.last_year, received.change) == (8, 1, 7)
    assert [p["month"] for p in report.trend] == ["2026-01", "2026-02", "2026-03"]
    assert [p["received"] for p in report.trend] == [0, 1, 7]
    assert [p["received"] for p in report.last_year_trend] == [0, 0, 1]
    html = response.content.decode()
    assert "Quarterly complaints report, Q1 2026" in html
    assert 'id="chart-volume"' in html and "<svg" in html
    assert 'href="/reports/monthly/2026/03/"' in html
    assert 'href="/reports/annual/2026/"' in html
    assert "Not issued" in html


def test_quarter_rates_come_from_summed_numerators_not_averaged_monthly_rates(client, march, gm):
    response = login(client, gm).get(Q1_URL)
    bundle = response.context["report"].bundle["figures"]
    monthly = [
        selectors.compute_bundle(selectors.Scope.organisation(), m)["figures"] for m in Q1.months
    ]
    for key in RATES:
        num = sum(m[key]["num"] for m in monthly)
        den = sum(m[key]["den"] for m in monthly)
        assert bundle[key] == {"num": num, "den": den}
        assert row(response, key).value == figures.percent({"num": num, "den": den})


def test_annual_page_lists_its_quarters_and_months(client, march, gm):
    response = login(client, gm).get(YEAR_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Annual complaints report, 2026" in html
    for n in range(1, 5):
        assert f'href="/reports/quarterly/2026/Q{n}/"' in html
    assert len(response.context["report"].trend) == 12
    assert row(response, "received").value == 8
    assert row(response, "received").last_year == 1


def test_a_department_manager_gets_their_department_and_no_other(
    client, march, manager, dept_a, dept_b
):
    response = login(client, manager).get(Q1_URL)
    assert response.context["report"].scope.department_id == dept_a.pk
    assert row(response, "received").value == 7  # I is department B's
    assert client.get(Q1_URL, {"department": dept_b.pk}).status_code == 403


def test_frontline_staff_get_their_own_summary(client, march, frontline_b):
    response = login(client, frontline_b).get(Q1_URL)
    assert response.context["report"].scope.kind == "personal"
    assert row(response, "received").value == 1


def test_the_monthly_report_links_to_its_quarter_and_year(client, march, gm):
    html = login(client, gm).get("/reports/monthly/2026/03/").content.decode()
    assert 'href="/reports/quarterly/2026/Q1/"' in html
    assert 'href="/reports/annual/2026/"' in html


def test_a_cached_quarter_page_takes_a_fixed_number_of_queries(
    client, march, gm, django_assert_max_num_queries
):
    login(client, gm).get(Q1_URL)
    with django_assert_max_num_queries(14):
        response = client.get(Q1_URL)
    assert response.status_code == 200
    period_services.issue_period_snapshots(Q1)
    client.get(YEAR_URL)
    with django_assert_max_num_queries(14):
        assert client.get(YEAR_URL).status_code == 200


# --- time-zone boundaries -----------------------------------------------------------------------


def test_the_quarter_and_year_turn_at_shanghai_midnight_not_utc(client, gm, frontline):
    # 23:30 on 31 December in Shanghai is 15:30 UTC; 00:30 on 1 January is 16:30 UTC, when
    # the UTC date is still 31 December.
    with time_machine.travel(at(2026, 12, 31, 23, 30), tick=False):
        services.register(by=frontline, channel="phone", description="Last evening")
        login(client, gm)
        q4 = client.get("/reports/quarterly/2026/Q4/")
        assert q4.context["report"].provisional
        assert row(q4, "received").value == 1
        assert client.get("/reports/annual/2027/").status_code == 404
        assert client.get("/reports/quarterly/2027/Q1/").status_code == 404
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):
        services.register(by=frontline, channel="phone", description="First morning")
        q4 = client.get("/reports/quarterly/2026/Q4/")
        assert not q4.context["report"].provisional
        assert row(q4, "received").value == 1
        assert row(client.get("/reports/annual/2026/"), "received").value == 1
        year = client.get("/reports/annual/2027/")
        assert year.status_code == 200
        assert year.context["report"].provisional
        assert 'id="provisional"' in year.content.decode()
        assert row(year, "received").value == 1
        assert row(client.get("/reports/quarterly/2027/Q1/"), "received").value == 1


def test_a_complaint_at_23_30_on_30_june_is_q2_and_one_at_00_30_on_1_july_is_q3(
    client, gm, frontline
):
    # 30 June 23:30 in Shanghai is 15:30 UTC the same day; 1 July 00:30 is 16:30 UTC on 30 June.
    with time_machine.travel(at(2026, 6, 30, 23, 30), tick=False):
        services.register(by=frontline, channel="phone", description="Last evening of Q2")
    with time_machine.travel(at(2026, 7, 1, 0, 30), tick=False):
        services.register(by=frontline, channel="phone", description="First morning of Q3")
        login(client, gm)
        q2 = client.get("/reports/quarterly/2026/Q2/")
        assert not q2.context["report"].provisional
        assert row(q2, "received").value == 1
        q3 = client.get("/reports/quarterly/2026/Q3/")
        assert q3.context["report"].provisional
        assert row(q3, "received").value == 1
        assert q3.context["report"].bundle["months"] == ["2026-07"]


# --- bad periods --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/reports/quarterly/2026/Q0/", "There is no quarter 0"),
        ("/reports/quarterly/2026/Q5/", "There is no quarter 5"),
        ("/reports/annual/1/", "Reports start in 2015"),
        ("/reports/annual/0001/", "Reports start in 2015"),
        ("/reports/annual/9999/", "The year 9999 has not started yet"),
        ("/reports/quarterly/9999/Q1/", "The year 9999 has not started yet"),
        ("/reports/annual/99999999999999999999999/", "has not started yet"),
        ("/reports/quarterly/2027/Q2/", "Q2 2027 has not started yet"),
    ],
)
def test_bad_periods_get_a_clear_404_page(client, gm, url, message):
    response = login(client, gm).get(url)
    assert response.status_code == 404
    assert message in response.content.decode()


def test_bad_periods_are_404_in_exports_and_the_api(client, gm):
    login(client, gm)
    assert client.get("/reports/quarterly/2026/Q5/figures.csv").status_code == 404
    assert client.get("/reports/annual/2026/figures.pdf").status_code == 404
    response = client.get("/api/v1/reports/quarterly/2026/5/")
    assert response.status_code == 404
    assert "There is no quarter 5" in response.json()["error"]["message"]
    assert client.get("/api/v1/reports/annual/9999/").status_code == 404
    assert client.post("/reports/quarterly/2026/Q1/").status_code == 405


# --- exports and the API agree with the page ----------------------------------------------------


def test_figures_csv_and_xlsx_agree_with_the_page(client, march, gm):
    page = login(client, gm).get(Q1_URL).context["report"]
    rows = csv_rows(client.get(Q1_URL + "figures.csv"))
    assert rows[0][:4] == ["Figure", "Q1 2026", "Q1 2025", "Change"]
    by_label = {r[0]: r for r in rows[1 : 1 + len(page.rows)]}
    for figure_row in page.rows:
        line = by_label[str(figure_row.label)]
        expected = "" if figure_row.value is None else str(figure_row.value)
        assert line[1] == expected, figure_row.key
    response = client.get(Q1_URL + "figures.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r and r[0]}
    assert values["Received"] == 8


def test_complaint_list_export_covers_the_quarter(client, march, gm):
    rows = csv_rows(login(client, gm).get(Q1_URL + "complaints.csv"))
    assert len(rows) - 1 == 8  # C in February and the seven of March


def test_api_mirrors_the_page(client, march, manager_b):
    token = Token.objects.create(user=manager_b)
    page = login(client, manager_b).get(Q1_URL).context["report"]
    response = client.get(
        "/api/v1/reports/quarterly/2026/1/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == "2026-Q1" and data["period_kind"] == "quarter"
    assert data["months"] == ["2026-01", "2026-02", "2026-03"]
    api_values = {f["key"]: f["value"] for f in data["figures"]}
    for figure_row in page.rows:
        expected = None if figure_row.value is None else float(figure_row.value)
        assert api_values[figure_row.key] == expected
    annual = client.get("/api/v1/reports/annual/2026/").json()
    assert annual["period_kind"] == "year" and len(annual["trend"]) == 12


def test_period_report_selector_is_scoped_by_visibility(march, frontline):
    report = period_selectors.period_report(frontline, selectors.Scope.personal(frontline), Q1)
    # frontline handles A, C and G in Q1 2026.
    assert figures.value(report.bundle["figures"], "resolved") == 2


# --- corrective actions in the period -----------------------------------------------------------


def test_the_quarterly_report_shows_a_verified_corrective_action_and_its_complaints(
    client, march, gm, manager, manager_b, frontline, dept_a, settings
):
    from improvement import services as improvement

    settings.ESCALATION_TASKS_SYNC = True
    parent = root_cause("process", "Process")
    cause = root_cause("missing-step", "Missing step", parent)
    with time_machine.travel(at(2026, 3, 20, 10), tick=False):
        action = improvement.open_action(
            by=manager,
            title="Add the missing step to the script",
            cause=cause,
            owner=frontline,
            department=dept_a,
            due_on=dt.date(2026, 3, 31),
            complaints=[march.A, march.B, march.C, march.G, march.F],
        )
    with time_machine.travel(at(2026, 3, 24, 10), tick=False):
        action = improvement.start(action, by=frontline)
        action = improvement.complete(action, by=frontline, evidence="Script v2 in use")
    with time_machine.travel(at(2026, 3, 30, 10), tick=False):
        improvement.verify(action, by=manager, note="Checked ten calls")
    # An action opened in the next quarter is not this quarter's.
    with time_machine.travel(at(2026, 4, 1, 0, 30), tick=False):
        improvement.open_action(
            by=manager,
            title="Later",
            cause=cause,
            owner=frontline,
            department=dept_a,
            due_on=dt.date(2026, 6, 30),
        )

    response = login(client, gm).get(Q1_URL)
    html = response.content.decode()
    (section,) = response.context["report"].extra_sections
    assert (section["opened"], section["completed"], section["verified"]) == (1, 1, 1)
    assert f'href="/improvement/actions/{action.pk}/"' in html
    assert "Add the missing step to the script" in html
    assert section["verified_actions"][0]["complaints"] == 5
    assert "Later" not in html
    q2 = client.get("/reports/quarterly/2026/Q2/").context["report"].extra_sections[0]
    assert (q2["opened"], q2["verified"]) == (1, 0)
    # The monthly report of March shows it too; the API carries the section.
    assert (
        f'href="/improvement/actions/{action.pk}/"'
        in client.get("/reports/monthly/2026/03/").content.decode()
    )
    api = client.get("/api/v1/reports/quarterly/2026/1/").json()
    assert api["sections"][0]["key"] == "corrective_actions"
    assert api["sections"][0]["verified"] == 1
    assert api["sections"][0]["verified_actions"][0]["url"] == f"/improvement/actions/{action.pk}/"
    assert "template" not in api["sections"][0]
    rows = csv_rows(client.get(Q1_URL + "figures.csv"))
    assert ["Verified in the period", "1"] in rows
    # Department B's report does not list department A's action.
    other = login(client, manager_b).get(Q1_URL).context["report"].extra_sections[0]
    assert (other["opened"], other["verified"], other["verified_actions"]) == (0, 0, [])


def test_the_period_picker_on_the_reports_home(client, gm, dept_b):
    login(client, gm)
    response = client.get("/reports/", {"period": "2026-Q3", "department": dept_b.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/quarterly/2026/Q3/?department={dept_b.pk}"
    assert client.get("/reports/", {"period": "2025"})["Location"] == "/reports/annual/2025/"
    bad = client.get("/reports/", {"period": "2026-Q7"})
    assert bad.status_code == 400
    assert "Enter a quarter as 2026-Q1 or a year as 2026." in bad.content.decode()
    assert client.get("/reports/", {"period": "2031"}).status_code == 404


def test_issue_period_reports_command_issues_a_finished_period_only(march, capsys):
    from django.core.management import CommandError, call_command

    call_command("issue_period_reports", "--period", "2026-Q1")
    assert "2026-Q1: 3 report(s) issued." in capsys.readouterr().out
    with pytest.raises(CommandError, match="has not ended yet"):
        call_command("issue_period_reports", "--period", "2027-Q1")
    with pytest.raises(CommandError, match="not a period"):
        call_command("issue_period_reports", "--period", "2026-Q9")


def test_issued_period_reports_are_read_only_in_the_admin_for_gm_and_auditors(
    client, march, auditor, manager
):
    period_services.issue_period_snapshots(Q1)
    snapshot = PeriodSnapshot.objects.get(period="2026-Q1", scope="org")
    login(client, auditor)
    assert client.get("/admin/reporting/periodsnapshot/").status_code == 200
    page = client.get(f"/admin/reporting/periodsnapshot/{snapshot.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.get(f"/admin/reporting/periodsnapshot/{snapshot.pk}/delete/").status_code == 403
    login(client, manager)
    assert client.get("/admin/reporting/periodsnapshot/").status_code in (302, 403)
