"""Finished months are cached until a past complaint changes; month-end reports are frozen as
issued and shown with the differences a later correction made."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from complaints import services
from reporting import selectors, tasks
from reporting.models import MonthGeneration, MonthlySnapshot, ReportCache
from reporting.months import Month

pytestmark = pytest.mark.django_db

MARCH = Month(2026, 3)
MARCH_URL = "/reports/monthly/2026/03/"


def figure(report, key):
    return next(row for row in report.rows if row.key == key)


def test_a_finished_month_is_computed_once_and_then_read_from_the_cache(
    march, gm, django_assert_max_num_queries
):
    selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    entry = ReportCache.objects.get(key="bundle:org:2026-03")
    assert entry.payload["figures"]["received"] == 7
    # Snapshots, generations, the cached bundle, the names of categories, departments and root
    # causes, and (#16) the latest references behind a cause's improvement point: those are
    # live, for the one-step corrective-action link.
    with django_assert_max_num_queries(7):
        report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    assert figure(report, "received").value == 7


def test_changing_a_past_complaint_invalidates_the_months_it_spans(
    march, gm, manager, django_capture_on_commit_callbacks
):
    selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    before = MonthGeneration.objects.get(month=MARCH.first_day).generation
    # F (received 31 March) is found to repeat A: March's repeat count changes.
    with django_capture_on_commit_callbacks(execute=True):
        services.link_repeat(march.F, repeat_of=march.A, by=manager, reason="Same caller")
    assert MonthGeneration.objects.get(month=MARCH.first_day).generation == before + 1
    # A month before F was received is untouched.
    february = MonthGeneration.objects.get(month=Month(2026, 2).first_day)
    assert february.generation == 0
    report = selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    assert figure(report, "repeat_complaints").value == 2


def test_a_first_response_logged_later_also_invalidates(
    march, gm, manager, django_capture_on_commit_callbacks
):
    selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    before = MonthGeneration.objects.get(month=MARCH.first_day).generation
    with django_capture_on_commit_callbacks(execute=True):
        services.log_communication(
            march.G, by=manager, medium="call", direction="out", summary="Called"
        )
    assert MonthGeneration.objects.get(month=MARCH.first_day).generation == before + 1


def test_changes_are_not_invalidated_before_they_commit(
    march, gm, manager, django_capture_on_commit_callbacks
):
    selectors.monthly_report(gm, selectors.Scope.organisation(), MARCH)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.link_repeat(march.F, repeat_of=march.A, by=manager, reason="Same caller")
    assert MonthGeneration.objects.get(month=MARCH.first_day).generation == 0
    assert callbacks  # the bump waits for the commit


def test_month_end_snapshot_is_issued_once_per_scope(march, dept_a, dept_b):
    from reporting import services as reporting_services

    first = reporting_services.issue_snapshots(MARCH)
    assert {s.scope for s in first} == {f"dept-{dept_a.pk}", f"dept-{dept_b.pk}", "org"}
    assert reporting_services.issue_snapshots(MARCH) == []  # idempotent
    org = MonthlySnapshot.objects.get(month=MARCH.first_day, scope="org")
    assert org.figures["figures"]["received"] == 7


def test_the_running_month_cannot_be_issued(db):
    from reporting import services as reporting_services

    with pytest.raises(ValueError):
        reporting_services.issue_snapshots(Month.current())


def test_the_scheduled_task_issues_last_month(db, dept_a):
    assert tasks.issue_month_end_reports() == 2  # the organisation and department A
    assert tasks.issue_month_end_reports() == 0
    assert MonthlySnapshot.objects.filter(month=Month.current().previous.first_day).count() == 2


def test_setup_schedules_creates_the_reporting_schedules(db):
    call_command("setup_schedules", stdout=None)
    names = set(Schedule.objects.values_list("name", flat=True))
    assert {spec["name"] for spec in tasks.SCHEDULES} <= names
    issue = Schedule.objects.get(name="reporting: issue month-end reports")
    assert issue.func == "reporting.tasks.issue_month_end_reports"
    assert issue.schedule_type == Schedule.CRON


def test_page_shows_issued_figures_and_the_live_difference_after_a_correction(
    client, march, gm, manager, django_capture_on_commit_callbacks
):
    from reporting import services as reporting_services

    reporting_services.issue_snapshots(MARCH)
    client.force_login(gm)
    response = client.get(MARCH_URL)
    report = response.context["report"]
    assert report.showing_issued and not report.differences
    assert "A live recomputation gives the same figures as issued." in response.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.link_repeat(march.F, repeat_of=march.A, by=manager, reason="Same caller")
        services.withdraw(march.G, by=manager, reason_code="withdrawn", explanation="Withdrew")

    response = client.get(MARCH_URL)
    report = response.context["report"]
    repeats = figure(report, "repeat_complaints")
    assert (repeats.value, repeats.changed, repeats.other) == (1, True, 2)
    # G was withdrawn in November: March's figures about G do not change.
    assert not figure(report, "open_at_month_end").changed
    assert list(report.differences) == ["repeat_complaints"]
    html = response.content.decode()
    assert "1 figure changed after this report was issued" in html
    assert "(live: 2)" in html

    live = client.get(MARCH_URL, {"live": "1"}).context["report"]
    assert not live.showing_issued
    assert figure(live, "repeat_complaints").value == 2
    assert figure(live, "repeat_complaints").other == 1


def test_snapshots_are_not_issued_for_personal_summaries(client, march, frontline):
    from reporting import services as reporting_services

    reporting_services.issue_snapshots(MARCH)
    client.force_login(frontline)
    report = client.get(MARCH_URL).context["report"]
    assert report.snapshot is None and not report.showing_issued


def test_working_day_calendar_is_rebuilt_by_its_task(db):
    from reporting.models import WorkingDay

    assert tasks.refresh_working_days() > 4000
    saturday = WorkingDay.objects.get(day="2026-02-28")  # 调休: worked
    sunday = WorkingDay.objects.get(day="2026-03-01")
    holiday = WorkingDay.objects.get(day="2026-02-17")  # Spring Festival
    assert saturday.working and not sunday.working and not holiday.working
    assert saturday.length_seconds == 9 * 3600


def test_comparisons_and_trend_are_the_issued_figures_of_earlier_months(
    march, gm, manager, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from reporting import services as reporting_services

    for month in (Month(2025, 3), *(MARCH.shift(-i) for i in range(11, -1, -1))):
        reporting_services.issue_snapshots(month)
    # A correction to March after it was issued: April compares with March as issued.
    with django_capture_on_commit_callbacks(execute=True):
        services.link_repeat(march.F, repeat_of=march.A, by=manager, reason="Same caller")
    april = selectors.monthly_report(gm, selectors.Scope.organisation(), Month(2026, 4))
    assert figure(april, "repeat_complaints").previous == 1  # issued; live March says 2
    assert april.trend[-2] == {
        "month": "2026-03",
        "received": 7,
        "resolved": 4,
        "on_time_rate": {"num": 2, "den": 3},
        "satisfaction_rate": {"num": 2, "den": 3},
    }
    # Only April itself was computed: one bundle in the cache, no trend query.
    assert list(ReportCache.objects.values_list("key", flat=True)) == ["bundle:org:2026-04"]
