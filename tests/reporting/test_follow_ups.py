"""Every follow-up contact counts in the month it happened (DOMAIN.md, satisfaction rate).

The script, Asia/Shanghai: eleven complaints of department A and one of department B, all
received and resolved in October 2026. In November ten of A's complainants are satisfied, X is
dissatisfied at 23:30 on 28 November, and B's complainant cannot be reached. November is issued
on 1 December. X is reopened on 2 December, resolved again and satisfied on 5 December.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint
from reporting import figures, selectors
from reporting import services as reporting_services
from reporting.models import MonthlySnapshot
from reporting.months import Month
from tests.conftest import RESOLUTION
from tests.reporting.conftest import at

pytestmark = pytest.mark.django_db

NOVEMBER, DECEMBER = Month(2026, 11), Month(2026, 12)


def rate(num, den):
    return {"num": num, "den": den}


def _at(moment, action, *args, **kwargs):
    with time_machine.travel(moment, tick=False):
        return action(*args, **kwargs)


def resolved_in_department_b(frontline_b, manager_b, dept_b, category) -> Complaint:
    c = services.register(
        by=frontline_b, channel="web", description="B", department=dept_b, complainant_name="B"
    )
    c = services.classify(c, by=manager_b, category=category, priority="normal", department=dept_b)
    c = services.assign(c, by=manager_b, assignee=frontline_b)
    return services.resolve(c, by=frontline_b, **RESOLUTION)


@pytest.fixture
def reopened_across_months(
    make_complaint, frontline, frontline_b, manager, manager_b, dept_b, category
):
    resolved = [
        _at(at(2026, 10, 5 + i, 10), make_complaint, "resolved", description=f"N{i}")
        for i in range(11)
    ]
    b = _at(
        at(2026, 10, 20, 10), resolved_in_department_b, frontline_b, manager_b, dept_b, category
    )
    ten, x = resolved[:10], resolved[10]
    for i, c in enumerate(ten):
        _at(at(2026, 11, 2 + i, 15), services.follow_up, c, by=frontline, outcome="satisfied")
    x = _at(at(2026, 11, 28, 23, 30), services.follow_up, x, by=frontline, outcome="dissatisfied")
    _at(at(2026, 11, 29, 9), services.follow_up, b, by=frontline_b, outcome="unreachable")
    _at(at(2026, 12, 1, 0, 5), reporting_services.issue_snapshots, NOVEMBER)

    x = _at(at(2026, 12, 2, 9), services.reopen, x, by=manager, reason="Still dissatisfied")
    x = _at(
        at(2026, 12, 3, 9),
        services.resolve,
        x,
        by=frontline,
        root_cause="Refund lost",
        resolution_summary="Refunded again",
        substantiated=True,
        remedy="Refund",
        remedy_amount=Decimal("0"),
        corrective_action="Check refunds",
        cause="process-missing-step",
    )
    x = _at(at(2026, 12, 5, 10), services.follow_up, x, by=frontline, outcome="satisfied")
    return {"x": x, "b": b}


def org_bundle(month: Month) -> dict:
    return selectors.compute_bundle(selectors.Scope.organisation(), month)


def test_a_dissatisfied_contact_stays_in_its_month_after_a_reopen(reopened_across_months):
    november = org_bundle(NOVEMBER)["figures"]
    assert november["satisfaction_rate"] == rate(10, 11)
    assert figures.value(november, "satisfaction_rate") == Decimal("90.9")
    assert november["unreachable_follow_ups"] == 1  # beside the rate, not in it
    december = org_bundle(DECEMBER)["figures"]
    assert december["satisfaction_rate"] == rate(1, 1)  # X's new contact
    assert december["reopened"] == 1


def test_a_finished_months_issued_report_equals_its_live_figures_after_the_reopen(
    reopened_across_months,
):
    issued = MonthlySnapshot.objects.get(month=NOVEMBER.first_day, scope="org")
    live = org_bundle(NOVEMBER)
    assert issued.figures["figures"]["satisfaction_rate"] == rate(10, 11)
    assert issued.figures == live
    assert figures.differences(issued.figures["figures"], live["figures"]) == {}


def test_the_department_league_and_reports_count_contacts_of_each_department(
    reopened_across_months, dept_a, dept_b
):
    league = {row["department_id"]: row for row in org_bundle(NOVEMBER)["league"]}
    assert league[dept_a.pk]["satisfaction"] == rate(10, 11)
    # Department B resolved nothing in November, but its follow-up gives it a row.
    assert league[dept_b.pk]["satisfaction"] == rate(0, 0)
    dept_b_november = selectors.compute_bundle(selectors.Scope.for_department(dept_b.pk), NOVEMBER)
    assert dept_b_november["figures"]["unreachable_follow_ups"] == 1
    assert dept_b_november["figures"]["satisfaction_rate"] == rate(0, 0)
    dept_a_november = selectors.compute_bundle(selectors.Scope.for_department(dept_a.pk), NOVEMBER)
    assert dept_a_november["figures"]["satisfaction_rate"] == rate(10, 11)
    assert dept_a_november["figures"]["unreachable_follow_ups"] == 0


def test_a_personal_summary_counts_the_handlers_contacts(reopened_across_months, frontline):
    scope = selectors.Scope.personal(frontline)
    november = figures.month_bundle(
        selectors.complaints_for(scope, frontline), NOVEMBER, actions_of=selectors.actions_of(scope)
    )
    assert november["figures"]["satisfaction_rate"] == rate(10, 11)


def test_the_trend_counts_every_contact_in_its_month(reopened_across_months, dept_a):
    trend = {p["month"]: p for p in figures.trend(Complaint.objects.all(), DECEMBER)}
    assert trend["2026-11"]["satisfaction_rate"] == rate(10, 11)
    assert trend["2026-12"]["satisfaction_rate"] == rate(1, 1)
    assert trend["2026-10"]["satisfaction_rate"] == rate(0, 0)
    scoped = figures.trend(
        Complaint.objects.filter(department=dept_a),
        DECEMBER,
        actions_of={"department_id": dept_a.pk},
    )
    assert scoped[-2]["satisfaction_rate"] == rate(10, 11)


def test_report_page_and_api_show_the_months_own_contacts(
    client, reopened_across_months, gm, settings
):
    with time_machine.travel(at(2026, 12, 6, 10), tick=False):
        client.force_login(gm)
        report = client.get("/reports/monthly/2026/11/").context["report"]
        row = next(r for r in report.rows if r.key == "satisfaction_rate")
        assert report.showing_issued and not row.changed
        assert row.value == Decimal("90.9")
        api = client.get("/api/v1/reports/monthly/2026-12/").json()
    figures_by_key = {f["key"]: f for f in api["figures"]}
    assert figures_by_key["satisfaction_rate"]["value"] == 100.0
    assert figures_by_key["satisfaction_rate"]["previous_month"] == 90.9
    assert api["trend"][-2]["satisfaction_rate"] == 90.9


def test_a_contact_after_local_midnight_counts_in_the_next_month(make_complaint, frontline):
    c = _at(at(2026, 11, 20, 10), make_complaint, "resolved")
    # 00:30 on 1 December in Shanghai is 16:30 on 30 November in UTC.
    _at(at(2026, 12, 1, 0, 30), services.follow_up, c, by=frontline, outcome="dissatisfied")
    assert org_bundle(NOVEMBER)["figures"]["satisfaction_rate"] == rate(0, 0)
    assert org_bundle(DECEMBER)["figures"]["satisfaction_rate"] == rate(0, 1)


def test_the_benchmark_seed_writes_the_follow_up_rows_the_report_counts(db):
    from tests.bench import reports_seed as bench

    with time_machine.travel(at(2026, 12, 6, 10), tick=False):
        bench.seed(400, months=3, history=False, log=lambda *_: None)
    last = Month(2026, 11)
    counted = org_bundle(last)["figures"]
    followed = Complaint.objects.filter(
        followed_up_at__gte=last.start, followed_up_at__lt=last.end
    ).exclude(follow_up_outcome="unreachable")
    assert counted["satisfaction_rate"]["den"] == followed.count() > 0
