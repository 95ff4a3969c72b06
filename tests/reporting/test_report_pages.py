"""The report page, its scope per tier, the month picker, exports and the REST endpoint."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from openpyxl import load_workbook
from rest_framework.authtoken.models import Token

from complaints import services
from reporting.models import ReportCache

pytestmark = pytest.mark.django_db

MARCH_URL = "/reports/monthly/2026/03/"


def login(client, user):
    client.force_login(user)
    return client


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def headline(response, key):
    row = next(r for r in response.context["report"].rows if r.key == key)
    return row.value


# --- who sees which report -----------------------------------------------------------------------


def test_general_manager_sees_the_whole_organisation_with_a_department_selector(
    client, march, gm, dept_b
):
    response = login(client, gm).get(MARCH_URL)
    assert response.status_code == 200
    assert response.context["report"].scope.kind == "org"
    assert headline(response, "received") == 7
    html = response.content.decode()
    assert 'id="department-picker"' in html
    assert 'id="league"' in html
    response = client.get(MARCH_URL, {"department": dept_b.pk})
    assert response.context["report"].scope.department_id == dept_b.pk
    assert headline(response, "received") == 1


def test_auditor_reads_the_organisation_report(client, march, auditor):
    response = login(client, auditor).get(MARCH_URL)
    assert response.status_code == 200
    assert headline(response, "received") == 7


def test_department_manager_sees_their_department_only(client, march, manager, dept_a, dept_b):
    response = login(client, manager).get(MARCH_URL)
    assert response.context["report"].scope.department_id == dept_a.pk
    assert headline(response, "received") == 6
    assert 'id="department-picker"' not in response.content.decode()
    assert client.get(MARCH_URL, {"department": dept_b.pk}).status_code == 403


def test_frontline_staff_get_a_personal_summary(client, march, frontline):
    response = login(client, frontline).get(MARCH_URL)
    report = response.context["report"]
    assert report.scope.kind == "personal"
    assert headline(response, "received") == 2  # A and G are theirs
    assert "My complaints" in str(report.scope_label)
    assert 'id="league"' not in response.content.decode()


def test_people_without_a_staff_tier_get_no_report(client, outsider):
    assert login(client, outsider).get(MARCH_URL).status_code == 403
    assert client.get("/reports/").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(MARCH_URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_department_is_not_found(client, gm):
    assert login(client, gm).get(MARCH_URL, {"department": "999"}).status_code == 404
    assert client.get(MARCH_URL, {"department": "abc"}).status_code == 404


# --- months ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "month"),
    [
        # 00:30 on New Year's Day in Shanghai is still 31 December in UTC.
        ("2027-01-01T00:30+08:00", "2027/01"),
        ("2026-12-31T23:30+08:00", "2026/12"),
        ("2026-12-31T23:30+00:00", "2027/01"),
    ],
)
def test_reports_home_redirects_to_the_current_month_of_the_organisation(
    client, gm, instant, month
):
    with time_machine.travel(dt.datetime.fromisoformat(instant), tick=False):
        response = login(client, gm).get("/reports/")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/monthly/{month}/"


def test_month_picker_goes_to_the_chosen_month(client, gm, dept_a):
    response = login(client, gm).get("/reports/", {"month": "2026-03", "department": dept_a.pk})
    assert response.status_code == 302
    assert response["Location"] == f"/reports/monthly/2026/03/?department={dept_a.pk}"


@pytest.mark.parametrize("value", ["2026-13", "March", "", "2026-3"])
def test_month_picker_refuses_what_is_not_a_month(client, gm, value):
    response = login(client, gm).get("/reports/", {"month": value})
    assert response.status_code == 400
    assert "YYYY-MM" in response.content.decode()


def test_future_and_impossible_months_are_not_found(client, gm):
    login(client, gm)
    assert client.get("/reports/monthly/2999/01/").status_code == 404
    assert client.get("/reports/monthly/2026/13/").status_code == 404
    assert client.get("/reports/monthly/1999/12/").status_code == 404
    assert client.get("/reports/", {"month": "2999-01"}).status_code == 400


def test_report_pages_answer_get_only(client, gm):
    assert login(client, gm).post(MARCH_URL).status_code == 405
    assert client.post("/reports/").status_code == 405


# --- the page itself ---------------------------------------------------------------------------


def test_page_shows_figures_charts_and_print_stylesheet(client, march, gm):
    response = login(client, gm).get(MARCH_URL)
    html = response.content.decode()
    assert html.count("<svg") >= 4  # trend, rates, categories, channels (and departments)
    assert 'media="print"' in html and "reporting/print.css" in html
    assert "<script" not in html.split("</main>")[0]  # charts need no JavaScript
    # The CSP allows pygal's <style> by this response's nonce, and nothing inline else.
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}"' in html
    assert ' style="' not in html
    assert 'data-figure="on_time_rate"' in html and "66.7%" in html


def test_chinese_page_renders_chart_labels_in_chinese(client, march, gm):
    login(client, gm)
    client.cookies["django_language"] = "zh-hans"
    html = client.get(MARCH_URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "WenQuanYi Micro Hei" in html  # a CJK font first in the charts' font stack


def test_cached_report_costs_a_handful_of_queries(client, march, gm, django_assert_max_num_queries):
    login(client, gm).get(MARCH_URL)
    assert ReportCache.objects.filter(key__startswith="bundle:org:").count() == 3
    # 12, plus (#16) the references behind a cause's improvement point and the month's
    # corrective actions (a count and the verified ones), which are live, not cached.
    with django_assert_max_num_queries(14):
        response = client.get(MARCH_URL)
    assert headline(response, "received") == 7


def test_running_month_is_marked_as_in_progress(client, gm):
    response = login(client, gm).get("/reports/")
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert "Month in progress" in response.content.decode()


# --- exports -----------------------------------------------------------------------------------


def test_figures_export_as_csv(client, march, gm):
    response = login(client, gm).get(MARCH_URL + "figures.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = csv_rows(response)
    assert rows[0][:4] == ["Figure", "2026-03", "Previous month", "Same month last year"]
    assert ["Received", "7", "1", "1", ""] in rows
    assert ["On-time rate", "66.7", "", "", ""] in rows
    assert ["Resolution rate", "75.0", "0.0", "", "≥ 95"] in rows


def test_figures_export_as_xlsx(client, march, manager):
    response = login(client, manager).get(MARCH_URL + "figures.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["Received", 6, 1, 1, None] in [row[:5] for row in values]


def test_unknown_export_format_is_not_found(client, gm):
    assert login(client, gm).get(MARCH_URL + "figures.pdf").status_code == 404


def test_complaint_list_csv_is_streamed_and_masks_confidential_complainants(
    client, march, manager, gm, dept_a
):
    # G's complainant asked to stay unknown to department A, which handles the complaint.
    services.update_details(
        march.G,
        by=manager,
        changes={"confidential": True, "subject_department": dept_a},
        reason="Complainant asked",
    )
    response = login(client, manager).get(MARCH_URL + "complaints.csv")
    assert response.streaming
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert header[0] == "Reference" and "Complainant" in header
    assert [row[0] for row in body] == [
        march.A.reference,
        march.B.reference,
        march.D.reference,
        march.G.reference,
        march.E.reference,
        march.F.reference,
    ]
    name, phone = header.index("Complainant"), header.index("Phone")
    assert body[3][name] == "李*龙" and body[3][phone] == "1*********0"
    assert body[0][name] == "王芳"  # A is not confidential
    # The general manager may see who complained.
    rows = csv_rows(login(client, gm).get(MARCH_URL + "complaints.csv"))
    g_row = next(row for row in rows if row[0] == march.G.reference)
    assert g_row[name] == "李小龙" and g_row[phone] == "13900139000"


def test_complaint_list_xlsx(client, march, gm):
    response = login(client, gm).get(MARCH_URL + "complaints.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    references = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert len(references) == 7 and references[0] == march.A.reference


def test_list_export_follows_the_scope(client, march, frontline):
    rows = csv_rows(login(client, frontline).get(MARCH_URL + "complaints.csv"))
    assert [row[0] for row in rows[1:]] == [march.A.reference, march.G.reference]


# --- REST ----------------------------------------------------------------------------------------


def test_api_returns_the_report_with_token_authentication(client, march, manager_b):
    token = Token.objects.create(user=manager_b)
    response = client.get(
        "/api/v1/reports/monthly/2026-03/", HTTP_AUTHORIZATION=f"Token {token.key}"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["month"] == "2026-03"
    assert data["scope"]["kind"] == "department"
    figures = {f["key"]: f for f in data["figures"]}
    assert figures["received"]["value"] == 1
    assert figures["on_time_rate"]["value"] == 100.0
    assert figures["remedy_total"]["value"] == 150.0
    assert len(data["trend"]) == 12 and data["trend"][-1]["received"] == 1


def test_api_refuses_anonymous_requests_and_writes(client, gm):
    assert client.get("/api/v1/reports/monthly/2026-03/").status_code in (401, 403)
    login(client, gm)
    assert client.post("/api/v1/reports/monthly/2026-03/").status_code == 405
    assert client.get("/api/v1/reports/monthly/2026-13/").status_code == 404
    assert client.get("/api/v1/reports/monthly/2999-01/").status_code == 404


def test_api_schema_documents_the_report(client, gm):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/reports/monthly/{year}-{month}/"]["get"]
    assert operation["operationId"] == "reports_monthly_retrieve"
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/MonthlyReport")
    assert "figures" in schema["components"]["schemas"]["MonthlyReport"]["properties"]
