"""Root causes in the monthly report, its API and exports, the links of its improvement points,
and the "Recurring causes" page.

The script, in Asia/Shanghai, with the clock stopped on 10 April 2026 (March finished):

    February: F1 dept A, missing step.
    March:    M1, M2 dept A, missing step (category); M3 dept B, missing step (other category);
              M4 dept A, training; M5 dept A, resolved without a coded cause.
    April:    P1 dept A, missing step (resolved 04-02: not March's, but in every recent window).
    2025-11:  O1 dept A, training (outside a 90-day window, inside 365 days).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint, RootCause
from reporting import causes, selectors
from reporting import services as reporting_services
from reporting.models import MonthlySnapshot
from reporting.months import Month
from tests.conftest import root_cause
from tests.reporting.conftest import SHANGHAI, resolution

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 4, 10, 10, 0, tzinfo=SHANGHAI)
MARCH = Month(2026, 3)
MARCH_URL = "/reports/monthly/2026/03/"
PAGE = "/reports/recurring-causes/"


def at(month, day, year=2026, hour=10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class Catalogue:
    process: RootCause
    missing_step: RootCause
    people: RootCause
    training: RootCause


@pytest.fixture
def catalogue(db) -> Catalogue:
    process = root_cause("process", "Process")
    people = root_cause("people", "People")
    return Catalogue(
        process=process,
        missing_step=root_cause("process-missing-step", "Missing step", process),
        people=people,
        training=root_cause("people-training", "Training", people),
    )


@pytest.fixture
def resolve_one(frontline, frontline_b, manager, manager_b, dept_a, dept_b, category):
    """Register, classify, assign and resolve one complaint at ``moment`` through the services,
    as the department's own staff would, with its coded cause chosen at resolution."""

    def build(moment, cause, *, department=None, on=None):
        department = department or dept_a
        agent, boss = (frontline, manager) if department == dept_a else (frontline_b, manager_b)
        with time_machine.travel(moment - dt.timedelta(hours=1), tick=False):
            c = services.register(
                by=agent, channel="phone", description="Rude", complainant_name="Li Lei"
            )
            c = services.classify(
                c, by=boss, category=on or category, priority="normal", department=department
            )
            c = services.assign(c, by=boss, assignee=agent)
        with time_machine.travel(moment, tick=False):
            # A substantiated complaint needs a coded cause: one without is not substantiated.
            values = resolution(remedy_amount=0, cause=cause, substantiated=cause is not None)
            c = services.resolve(c, by=agent, **values)
        return c

    return build


@dataclass
class Script:
    f1: Complaint
    m1: Complaint
    m2: Complaint
    m3: Complaint
    m4: Complaint
    m5: Complaint
    p1: Complaint
    o1: Complaint


@pytest.fixture
def script(resolve_one, catalogue, dept_b, other_category) -> Script:
    c = catalogue
    return Script(
        f1=resolve_one(at(2, 10), c.missing_step),
        m1=resolve_one(at(3, 3), c.missing_step),
        m2=resolve_one(at(3, 20), c.missing_step),
        m3=resolve_one(at(3, 12), c.missing_step, department=dept_b, on=other_category),
        m4=resolve_one(at(3, 5), c.training),
        m5=resolve_one(at(3, 6), None),
        p1=resolve_one(at(4, 2), c.missing_step),
        o1=resolve_one(at(11, 10, year=2025), c.training),
    )


def table(report, key) -> dict:
    """{(cause name, department or category): (value, previous, change)} of one cause table."""
    found = next(t for t in report.causes["tables"] if t["key"] == key)
    return {
        (str(r["name"]), str(r.get("other", ""))): (r["value"], r["previous"], r["change"])
        for r in found["rows"]
    }


# --- the month's figures ------------------------------------------------------------------------


def test_report_counts_the_months_resolutions_by_cause_beside_the_previous_month(script, gm):
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    assert table(report, "finer") == {
        ("Process / Missing step", ""): (3, 1, 2),
        ("People / Training", ""): (1, 0, 1),
    }
    assert table(report, "top") == {("Process", ""): (3, 1, 2), ("People", ""): (1, 0, 1)}
    assert table(report, "department") == {
        ("Process / Missing step", "Customer service"): (2, 1, 1),
        ("Process / Missing step", "Billing"): (1, 0, 1),
        ("People / Training", "Customer service"): (1, 0, 1),
    }
    assert table(report, "category") == {
        ("Process / Missing step", "Rude staff"): (2, 1, 1),
        ("Process / Missing step", "Double charge"): (1, 0, 1),
        ("People / Training", "Rude staff"): (1, 0, 1),
    }


def test_a_department_manager_reads_their_departments_causes_only(script, manager, manager_b):
    own = selectors.monthly_report(manager, selectors.resolve_scope(manager), MARCH)
    assert table(own, "finer") == {
        ("Process / Missing step", ""): (2, 1, 1),
        ("People / Training", ""): (1, 0, 1),
    }
    other = selectors.monthly_report(manager_b, selectors.resolve_scope(manager_b), MARCH)
    assert table(other, "finer") == {("Process / Missing step", ""): (1, 0, 1)}


def test_the_page_shows_the_cause_tables_and_links_to_the_recurring_causes(client, script, gm):
    client.force_login(gm)
    html = client.get(MARCH_URL).content.decode()
    assert 'id="root-causes"' in html
    assert 'id="causes-finer"' in html
    assert f'href="{PAGE}"' in html


def test_the_api_and_the_figures_export_carry_the_causes(client, script, gm):
    client.force_login(gm)
    data = client.get("/api/v1/reports/monthly/2026-03/").json()
    assert data["root_causes"]["recorded"] is True
    finer = next(t for t in data["root_causes"]["tables"] if t["key"] == "finer")
    assert finer["rows"][0] == {
        "code": "process-missing-step",
        "name": "Process / Missing step",
        "value": 3,
        "previous": 1,
        "change": 2,
    }
    response = client.get("/reports/monthly/2026/03/figures.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert ["By root cause", "2026-03", "Previous month", "Change"] in rows
    assert ["Process / Missing step", "3", "1", "2"] in rows
    assert ["Process / Missing step", "Billing", "1", "0", "1"] in rows


def test_an_issued_month_keeps_its_cause_figures_after_a_later_correction(
    script, gm, catalogue, django_capture_on_commit_callbacks
):
    reporting_services.issue_snapshots(MARCH)
    issued = MonthlySnapshot.objects.get(month=MARCH.first_day, scope="org")
    frozen_figures = issued.figures
    assert frozen_figures["causes"]  # the causes are part of what is frozen
    # A March complaint's cause is corrected afterwards.
    Complaint.objects.filter(pk=script.m1.pk).update(cause=catalogue.training)
    with django_capture_on_commit_callbacks(execute=True):
        reporting_services.bump_generations([MARCH])

    shown = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    assert shown.showing_issued
    assert table(shown, "finer")[("Process / Missing step", "")] == (3, 1, 2)
    live = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH, live=True)
    assert table(live, "finer")[("Process / Missing step", "")] == (2, 1, 1)
    assert table(live, "finer")[("People / Training", "")] == (2, 0, 2)
    issued.refresh_from_db()
    assert issued.figures == frozen_figures


def test_a_month_issued_before_causes_were_counted_says_so_instead_of_recomputing(
    client, script, gm
):
    bundle = selectors.compute_bundle(selectors.Scope.organisation(), MARCH)
    del bundle["causes"]
    MonthlySnapshot.objects.create(month=MARCH.first_day, scope="org", figures=bundle)
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    assert report.causes["recorded"] is False
    client.force_login(gm)
    assert 'id="causes-not-recorded"' in client.get(MARCH_URL).content.decode()


# --- improvement points -------------------------------------------------------------------------


def point_of(report, kind):
    return next(p for p in report.improvement_points if p["kind"] == kind)


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_growing_cause_is_an_improvement_point_with_its_complaints_and_a_one_step_action(
    script, manager
):
    report = selectors.monthly_report(manager, selectors.resolve_scope(manager), MARCH)
    point = point_of(report, "cause")
    assert point["name"] == "Process / Missing step"
    assert query(point["complaints_url"]) == {
        "cause": ["process-missing-step"],
        "department": [str(script.m1.department_id)],
        "resolved_after": ["2026-03-01"],
        "resolved_before": ["2026-03-31"],
    }
    action = query(point["action_url"])
    assert action["cause"] == ["process-missing-step"]
    # The department's March complaints behind it, newest resolution first.
    assert action["complaints"] == [f"{script.m2.reference},{script.m1.reference}"]


def test_the_action_link_carries_at_most_the_latest_references(script, gm, monkeypatch):
    monkeypatch.setattr(causes, "ACTION_REFERENCES", 2)
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    action = query(point_of(report, "cause")["action_url"])
    assert action["complaints"] == [f"{script.m2.reference},{script.m3.reference}"]


def test_auditors_and_frontline_staff_get_no_action_link(script, auditor, client):
    report = selectors.monthly_report(auditor, selectors.Scope.organisation(), MARCH)
    assert "action_url" not in point_of(report, "cause")
    client.force_login(auditor)
    html = client.get(MARCH_URL).content.decode()
    assert 'data-link="complaints"' in html
    assert 'data-link="action"' not in html


def test_category_points_link_to_the_months_complaints_of_that_category(
    client, script, gm, category
):
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    point = point_of(report, "category")
    assert query(point["complaints_url"]) == {
        "category": [str(point["id"])],
        "received_after": ["2026-03-01"],
        "received_before": ["2026-03-31"],
    }


def test_the_complaint_list_filters_by_resolution_dates(client, script, gm):
    client.force_login(gm)
    response = client.get(
        "/complaints/", {"resolved_after": "2026-03-01", "resolved_before": "2026-03-31"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    march = [script.m1, script.m2, script.m3, script.m4, script.m5]
    assert all(c.reference in html for c in march)
    assert script.f1.reference not in html and script.p1.reference not in html


# --- the recurring-causes page ------------------------------------------------------------------


def rows(response) -> dict[str, int]:
    return {item.code: item.count for item in response.context["items"]}


def test_recurring_causes_lists_finer_causes_seen_at_least_the_minimum_times(client, script, gm):
    client.force_login(gm)
    response = client.get(PAGE)
    assert response.status_code == 200
    # 90 days back from 10 April: February to April's missing steps (5); training twice only.
    assert rows(response) == {"process-missing-step": 5}
    item = response.context["items"][0]
    assert item.departments == [("Customer service", 4), ("Billing", 1)]
    assert item.recent[0] == script.p1.reference
    html = response.content.decode()
    assert f'href="/complaints/{script.m1.reference}/"' in html
    assert query(item.complaints_url) == {
        "cause": ["process-missing-step"],
        "resolved_after": ["2026-01-10"],
    }
    assert query(item.action_url)["complaints"][0].split(",")[0] == script.p1.reference


def test_recurring_causes_window_and_minimum_are_choosable(client, script, gm, settings):
    client.force_login(gm)
    assert rows(client.get(PAGE, {"days": "365"})) == {"process-missing-step": 5}
    settings.REDRESS_RECURRING_CAUSE_MIN = 2
    assert rows(client.get(PAGE, {"days": "365"})) == {
        "process-missing-step": 5,
        "people-training": 2,
    }
    assert rows(client.get(PAGE, {"days": "30"})) == {"process-missing-step": 3}
    assert client.get(PAGE, {"days": "45"}).status_code == 400


def test_a_department_manager_sees_their_departments_recurrences(
    client, script, manager, manager_b, settings
):
    client.force_login(manager)
    assert rows(client.get(PAGE)) == {"process-missing-step": 4}
    client.force_login(manager_b)
    assert rows(client.get(PAGE)) == {}
    settings.REDRESS_RECURRING_CAUSE_MIN = 1
    response = client.get(PAGE)
    assert rows(response) == {"process-missing-step": 1}
    assert response.context["items"][0].references == [script.m3.reference]


def test_auditors_read_the_page_without_action_links_and_outsiders_are_refused(
    client, script, auditor, outsider
):
    client.force_login(auditor)
    response = client.get(PAGE)
    assert rows(response) == {"process-missing-step": 5}
    assert 'data-link="action"' not in response.content.decode()
    client.force_login(outsider)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE).status_code == 405


def test_recurring_causes_cost_a_fixed_few_queries(
    client, script, gm, resolve_one, catalogue, dept_b, django_assert_max_num_queries
):
    client.force_login(gm)
    client.get(PAGE)  # warm the session
    with django_assert_max_num_queries(9) as few:
        client.get(PAGE)
    for day in range(1, 8):
        resolve_one(at(3, day + 20), catalogue.training, department=dept_b)
    with django_assert_max_num_queries(len(few)):
        response = client.get(PAGE)
    assert rows(response) == {"people-training": 8, "process-missing-step": 5}


def test_a_cause_with_an_open_corrective_action_no_longer_recurs(
    client, script, gm, manager, frontline, dept_a, catalogue
):
    from improvement import services as improvement_services

    client.force_login(gm)
    item = client.get(PAGE).context["items"][0]
    # The manager follows the page's one-step link: the create page knows the cause and cases.
    client.force_login(manager)
    create = client.get(item.action_url)
    assert create.status_code == 200
    assert script.m1.reference in create.content.decode()
    action = improvement_services.open_action(
        by=manager,
        title="Add the missing step to the script",
        cause=catalogue.missing_step,
        owner=frontline,
        department=dept_a,
        due_on=dt.date(2026, 5, 31),
        complaints=[script.m1, script.m2],
    )
    assert action.pk
    assert rows(client.get(PAGE)) == {}
    client.force_login(gm)
    assert rows(client.get(PAGE, {"days": "365"})) == {}


def test_managers_find_the_page_in_the_menu_and_frontline_staff_do_not(
    client, script, manager, frontline
):
    client.force_login(manager)
    assert 'data-nav="recurring_causes"' in client.get(MARCH_URL).content.decode()
    client.force_login(frontline)
    assert 'data-nav="recurring_causes"' not in client.get(MARCH_URL).content.decode()


def test_when_no_cause_grew_the_months_most_frequent_cause_is_still_offered(script, gm, catalogue):
    # April against March: April's one missing step did not grow (three in March), yet the
    # month's leading cause is offered for a corrective action.
    april = selectors.monthly_report(gm, selectors.Scope.organisation(), Month(2026, 4))
    point = point_of(april, "cause")
    assert point["name"] == "Process / Missing step"
    assert point["reason"] == "most frequent root cause this month (1 resolved)"
    assert query(point["action_url"])["complaints"] == [script.p1.reference]


def test_the_api_lists_recurring_causes_with_the_pages_rules(client, script, manager, auditor):
    client.force_login(manager)
    data = client.get("/api/v1/reports/recurring-causes/").json()
    assert data["days"] == 90 and data["minimum"] == 3
    (item,) = data["causes"]
    assert item["code"] == "process-missing-step"
    assert item["complaints"] == 4
    assert item["departments"] == [{"name": "Customer service", "complaints": 4}]
    assert item["references"][0] == script.p1.reference
    assert item["action_url"].startswith("/improvement/actions/new/")
    client.force_login(auditor)
    data = client.get("/api/v1/reports/recurring-causes/", {"days": "365"}).json()
    assert data["causes"][0]["complaints"] == 5 and data["causes"][0]["action_url"] is None
    response = client.get("/api/v1/reports/recurring-causes/", {"days": "7"})
    assert response.status_code == 400
    assert "days" in response.json()["error"]["fields"]
    assert client.post("/api/v1/reports/recurring-causes/").status_code == 405
