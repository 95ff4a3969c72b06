"""No year without a calendar: a year is loaded from the holidays package (on demand, by
command, by the daily task) and stays provisional until an administrator confirms it; every
deadline in an unconfirmed year says so on the pages and in the API; confirming or loading
recomputes the deadlines with history; the database check warns from 1 November and fails for
the current year."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import holidays
import pytest
import time_machine
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint, State
from escalation import tasks, years
from escalation.checks import calendar_covers_the_coming_year, calendar_covers_this_year
from escalation.models import CalendarDay, CalendarYear, SlaPolicy, WorkCalendar
from reporting.models import WorkingDay
from tests.escalation.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

# Friday 29 January 2027: the Spring Festival holidays (5-10 February in the holidays package)
# fall inside every government-office limit that starts around it.
RECEIVED = dt.datetime(2027, 1, 29, 10, 0, tzinfo=SHANGHAI)
ACCEPTED = dt.datetime(2027, 2, 1, 23, 30, tzinfo=SHANGHAI)  # Monday, late evening


def close_of_business(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(18, 0), tzinfo=SHANGHAI)


def working_days_after(day: dt.date, count: int, *, extra_workdays=()) -> dt.date:
    """Oracle: the holidays package's own calendar (plus days an administrator added)."""
    cn = holidays.country_holidays("CN", years=[day.year, day.year + 1])
    while count:
        day += dt.timedelta(days=1)
        count -= cn.is_working_day(day) or day in extra_workdays
    return day


def weekdays_after(day: dt.date, count: int) -> dt.date:
    while count:
        day += dt.timedelta(days=1)
        count -= day.isoweekday() < 6
    return day


@pytest.fixture
def government_office(db):
    SlaPolicy.objects.filter(active=True).update(active=False)
    policy = SlaPolicy.objects.get(name="Government office (信访)")
    policy.active = True
    policy.save()
    return policy


@pytest.fixture
def calendar(db) -> WorkCalendar:
    return WorkCalendar.objects.get(is_default=True)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def received_and_accepted_in_2027(make_complaint, manager, category) -> Complaint:
    with time_machine.travel(RECEIVED, tick=False):
        complaint = make_complaint(State.RECEIVED)
    with time_machine.travel(ACCEPTED, tick=False):
        return services.classify(
            complaint,
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )


# --- what the seeds and migrations recorded -----------------------------------------------


def test_the_seeded_years_are_confirmed_and_2027_is_not_there(calendar):
    assert dict(calendar.years.values_list("year", "status")) == {
        2024: "confirmed",
        2025: "confirmed",
        2026: "confirmed",
    }


# --- loading on demand and the provisional flag -------------------------------------------


def test_a_complaint_received_in_an_unloaded_year_loads_it_and_honours_its_spring_festival(
    government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    year = CalendarYear.objects.get(calendar=calendar, year=2027)
    assert year.status == "provisional" and year.package_version == holidays.__version__
    assert CalendarDay.objects.get(calendar=calendar, day=dt.date(2027, 2, 5)).kind == "holiday"
    # Acceptance: 3 working days from Friday is Wednesday 3 February (before the festival).
    assert complaint.acceptance_due_at == close_of_business(dt.date(2027, 2, 3))
    # Handling: 30 working days from Monday 1 February, the festival days not counted.
    due = close_of_business(working_days_after(dt.date(2027, 2, 1), 30))
    assert complaint.resolution_due_at == due
    assert due > close_of_business(weekdays_after(dt.date(2027, 2, 1), 30))  # not silently
    assert complaint.deadlines_provisional is True


def test_a_provisional_deadline_says_so_on_every_page_and_in_the_api(
    client, government_office, make_complaint, manager, category
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    api = APIClient()
    api.force_authenticate(manager)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=1), tick=False):
        client.force_login(manager)  # sessions expire: log in at the frozen time
        pages = {
            "deadlines": reverse("escalation:complaint", kwargs={"reference": complaint.reference}),
            "complaint": complaint.get_absolute_url(),
            "list": reverse("complaints:list"),
        }  # the due-soon list: below
        for name, page in pages.items():
            body = client.get(page).content.decode()
            assert "deadline-provisional" in body, name
        deadlines_page = client.get(pages["deadlines"]).content.decode()
        assert 'id="provisional-note"' in deadlines_page
        detail = api.get(reverse("api:complaint", kwargs={"reference": complaint.reference}))
        listed = api.get(reverse("api:complaints"))
    assert detail.json()["deadlines_provisional"] is True
    assert [row["deadlines_provisional"] for row in listed.json()["results"]] == [True]


def test_deadlines_in_a_confirmed_year_are_not_provisional(
    client, make_complaint, manager, settings
):
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        complaint = make_complaint(State.ASSIGNED)
        client.force_login(manager)
        body = client.get(complaint.get_absolute_url()).content.decode()
    assert complaint.deadlines_provisional is False
    assert "deadline-provisional" not in body


def test_the_due_soon_list_marks_provisional_deadlines(
    client, government_office, make_complaint, manager, category, settings
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    settings.ESCALATION_DUE_SOON_HOURS = 24 * 90
    with time_machine.travel(ACCEPTED + dt.timedelta(hours=1), tick=False):
        client.force_login(manager)
        body = client.get(reverse("escalation:due_soon")).content.decode()
    assert complaint.reference in body and "deadline-provisional" in body


# --- confirming -------------------------------------------------------------------------


def test_confirming_a_corrected_year_recomputes_and_clears_the_flag_with_a_history_row(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    # The notice (hypothetically) makes Saturday 20 February a working day: the
    # administrator corrects the year in the admin, then confirms it.
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        client.force_login(gm)
        added = client.post(
            reverse("admin:escalation_calendarday_add"),
            {"calendar": calendar.pk, "day": "2027-02-20", "kind": "workday", "name": "调休"},
        )
        assert added.status_code == 302
        year = CalendarYear.objects.get(calendar=calendar, year=2027)
        listing = client.get(reverse("admin:escalation_calendaryear_changelist")).content
        assert b"day__year=2027" in listing  # where the year's days are corrected
        confirmed = client.post(
            reverse("admin:escalation_calendaryear_changelist"),
            {"action": "confirm", "_selected_action": [year.pk]},
        )
    assert confirmed.status_code == 302
    year.refresh_from_db()
    assert (year.status, year.confirmed_by) == ("confirmed", gm)
    assert year.history.order_by("history_id").last().history_user == gm
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == close_of_business(
        working_days_after(dt.date(2027, 2, 1), 30, extra_workdays={dt.date(2027, 2, 20)})
    )
    assert complaint.deadlines_provisional is False
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_confirmed", gm)
    assert "2027" in row.history_change_reason
    # A second confirmation changes nothing and writes nothing.
    before = complaint.history.count()
    years.confirm_year(year, by=gm)
    assert fresh(complaint).history.count() == before


def test_only_someone_who_may_edit_calendars_confirms_a_year(client, frontline, calendar):
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        record = years.load_year(calendar, 2027).year
    client.force_login(frontline)
    assert client.get(reverse("admin:escalation_calendaryear_changelist")).status_code == 200
    client.post(
        reverse("admin:escalation_calendaryear_changelist"),
        {"action": "confirm", "_selected_action": [record.pk]},
    )
    record.refresh_from_db()
    assert record.status == "provisional"


# --- loading by command and by the daily task ----------------------------------------------


def test_the_daily_task_loads_next_year_and_recomputes_deadlines_computed_without_it(
    government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    right = complaint.resolution_due_at
    # As if computed before 2027 was loaded (weekends only), and the year then removed.
    wrong = close_of_business(weekdays_after(dt.date(2027, 2, 1), 30))
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due_at=wrong, next_due_at=wrong)
    CalendarDay.objects.filter(day__year=2027).delete()
    CalendarYear.objects.filter(year=2027).delete()
    with time_machine.travel(dt.datetime(2026, 12, 6, 3, 0, tzinfo=SHANGHAI), tick=False):
        assert tasks.load_calendar_years() == "loaded China (mainland) 2027"
        assert tasks.load_calendar_years() == "loaded nothing"  # idempotent
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == right
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_loaded", None)
    assert CalendarYear.objects.get(year=2027).status == "provisional"


def test_sync_holidays_keeps_a_confirmed_year_confirmed(gm, calendar):
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        out = StringIO()
        call_command("sync_holidays", year=[2027], stdout=out)
        assert "2027 is provisional until confirmed in the admin" in out.getvalue()
        years.confirm_year(CalendarYear.objects.get(year=2027), by=gm)
        again = StringIO()
        call_command("sync_holidays", year=[2027], stdout=again)
    assert "2027 is confirmed" in again.getvalue()


def test_the_reporting_working_day_table_follows_a_loaded_year(
    calendar, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        years.load_year(calendar, 2027)
    assert WorkingDay.objects.get(day=dt.date(2027, 2, 5)).working is False
    assert WorkingDay.objects.get(day=dt.date(2027, 2, 4)).working is True


# --- the system check ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2026, 10, 31, 23, 30, tzinfo=SHANGHAI), []),  # October: not yet
        (dt.datetime(2026, 11, 1, 0, 30, tzinfo=SHANGHAI), ["escalation.W001"]),
        (dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), ["escalation.W001"]),
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=SHANGHAI), ["escalation.W001"]),
    ],
)
def test_the_check_warns_about_next_year_from_1_november_in_beijing(now, expected):
    with time_machine.travel(now, tick=False):
        found = calendar_covers_the_coming_year(databases=["default"])
        assert calendar_covers_this_year(databases=["default"]) == []
    assert [m.id for m in found] == expected
    if expected:
        assert "2027" in found[0].msg


def test_the_check_is_an_error_for_the_current_year_until_it_is_confirmed(gm, calendar):
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        errors = calendar_covers_this_year(databases=["default"])
        assert [(m.id, "2027 is not loaded" in m.msg) for m in errors] == [
            ("escalation.E001", True)
        ]
        years.load_year(calendar, 2027)
        errors = calendar_covers_this_year(databases=["default"])
        assert [(m.id, "2027 is not confirmed" in m.msg) for m in errors] == [
            ("escalation.E001", True)
        ]
        years.confirm_year(CalendarYear.objects.get(year=2027), by=gm)
        assert calendar_covers_this_year(databases=["default"]) == []


def test_the_check_is_silent_and_reads_nothing_unless_asked_for_a_database(
    django_assert_num_queries, monkeypatch
):
    with (
        time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI), tick=False),
        django_assert_num_queries(0),
    ):
        assert calendar_covers_this_year() == []
        assert calendar_covers_the_coming_year(databases=None) == []
    # Before the escalation tables exist (migrate on an empty database) it reads nothing.
    monkeypatch.setattr(connections["default"].introspection, "table_names", lambda: [])
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        assert calendar_covers_this_year(databases=["default"]) == []


def test_check_database_runs_only_the_warning_and_deploy_adds_the_error():
    with time_machine.travel(dt.datetime(2027, 1, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        out = StringIO()
        call_command("check", databases=["default"], stdout=out, stderr=out)
        assert "escalation.E001" not in out.getvalue()
        from django.core.management.base import SystemCheckError

        with pytest.raises(SystemCheckError, match="escalation.E001"):
            call_command("check", deploy=True, databases=["default"], stdout=StringIO())


def test_a_promised_date_years_ahead_loads_nothing_and_is_not_provisional(make_complaint):
    # A date a person typed: no year's holidays can move it.
    promised = dt.datetime(2031, 3, 3, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, 0, tzinfo=SHANGHAI), tick=False):
        complaint = make_complaint(State.RECEIVED, promised_reply_at=promised)
    assert not CalendarYear.objects.filter(year__gt=2026).exists()
    assert complaint.deadlines_provisional is False


def test_correcting_a_day_of_a_confirmed_year_recomputes_open_deadlines_with_history(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    years.confirm_year(CalendarYear.objects.get(year=2027), by=gm)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=3), tick=False):
        client.force_login(gm)
        added = client.post(
            reverse("admin:escalation_calendarday_add"),
            {"calendar": calendar.pk, "day": "2027-02-20", "kind": "workday", "name": "调休"},
        )
    assert added.status_code == 302
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == close_of_business(
        working_days_after(dt.date(2027, 2, 1), 30, extra_workdays={dt.date(2027, 2, 20)})
    )
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_corrected", gm)


# --- only deadlines counted in working time are provisional ----------------------------------


@pytest.fixture
def government_office_for_dept_b(db, dept_b):
    """The government-office policy (working days) for one department; the standard policies
    (minutes and hours) stay for the others."""
    policy = SlaPolicy.objects.get(name="Government office (信访)")
    policy.active, policy.department = True, dept_b
    policy.save()
    return policy


def test_hours_based_deadlines_in_an_unconfirmed_year_are_not_provisional(
    client, make_complaint, manager, calendar
):
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        years.load_year(calendar, 2027)
    with time_machine.travel(RECEIVED, tick=False):
        complaint = make_complaint(State.ASSIGNED)
        client.force_login(manager)
        deadlines_page = reverse("escalation:complaint", kwargs={"reference": complaint.reference})
        bodies = [
            client.get(page).content.decode()
            for page in (deadlines_page, complaint.get_absolute_url())
        ]
    assert CalendarYear.objects.get(year=2027).status == "provisional"
    assert complaint.resolution_due_at.year == 2027
    assert complaint.deadlines_provisional is False
    assert all("deadline-provisional" not in body for body in bodies)


def test_confirming_writes_history_only_where_the_flag_cleared_or_a_date_moved(
    gm, government_office_for_dept_b, make_complaint, dept_b, calendar
):
    with time_machine.travel(RECEIVED, tick=False):
        working_days = make_complaint(State.RECEIVED, department=dept_b)
        hours = make_complaint(State.RECEIVED)
    assert (working_days.deadlines_provisional, hours.deadlines_provisional) == (True, False)
    before = {c.pk: c.history.count() for c in (working_days, hours)}
    with time_machine.travel(RECEIVED + dt.timedelta(hours=1), tick=False):
        years.confirm_year(CalendarYear.objects.get(calendar=calendar, year=2027), by=gm)
    assert fresh(working_days).deadlines_provisional is False
    assert fresh(working_days).history.count() == before[working_days.pk] + 1
    last = fresh(working_days).history.order_by("history_id").last()
    assert last.history_transition == "calendar_confirmed"
    assert fresh(hours).history.count() == before[hours.pk]


# --- reloading a confirmed year ---------------------------------------------------------------


def test_reloading_a_confirmed_year_whose_package_days_changed_makes_it_provisional_again(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    year = CalendarYear.objects.get(calendar=calendar, year=2027)
    years.confirm_year(year, by=gm)
    assert fresh(complaint).deadlines_provisional is False
    # The package row of 5 February was lost (say, an older package release): reloading puts
    # it back, so what was confirmed is not what the calendar now has.
    CalendarDay.objects.filter(calendar=calendar, day=dt.date(2027, 2, 5)).delete()
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        client.force_login(gm)
        response = client.post(
            reverse("admin:escalation_calendaryear_changelist"),
            {"action": "load_from_package", "_selected_action": [year.pk]},
            follow=True,
        )
    year.refresh_from_db()
    assert (year.status, year.confirmed_by, year.confirmed_at) == ("provisional", None, None)
    shown = [str(m) for m in response.context["messages"]]
    assert any("+1 new" in m and "provisional again" in m for m in shown)
    assert fresh(complaint).deadlines_provisional is True
    # Reloading again changes nothing: a year confirmed anew stays confirmed.
    years.confirm_year(year, by=gm)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=3), tick=False):
        result = years.load_year(calendar, 2027, by=gm)
    assert not result.unconfirmed and result.year.status == "confirmed"
    assert "provisional again" not in result.summary()


# --- the reporting working-day table follows corrected days ----------------------------------


def test_the_reporting_working_day_table_follows_a_corrected_or_deleted_day(
    client, gm, calendar, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            years.load_year(calendar, 2027)
        assert WorkingDay.objects.get(day=dt.date(2027, 2, 20)).working is False  # Saturday
        client.force_login(gm)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            client.post(
                reverse("admin:escalation_calendarday_add"),
                {"calendar": calendar.pk, "day": "2027-02-20", "kind": "workday", "name": "调休"},
            )
        assert len(callbacks) == 1  # one rebuild per transaction
        assert WorkingDay.objects.get(day=dt.date(2027, 2, 20)).working is True
        day = CalendarDay.objects.get(calendar=calendar, day=dt.date(2027, 2, 20))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("admin:escalation_calendarday_delete", args=[day.pk]), {"post": "yes"}
            )
    assert not CalendarDay.objects.filter(pk=day.pk).exists()
    assert WorkingDay.objects.get(day=dt.date(2027, 2, 20)).working is False


# --- editing the calendar page ---------------------------------------------------------------


def calendar_page_data(client, calendar: WorkCalendar) -> tuple[str, dict]:
    """The calendar's change page as the browser would post it back, unchanged."""
    url = reverse("admin:escalation_workcalendar_change", args=[calendar.pk])
    page = client.get(url)
    assert page.status_code == 200
    data: dict = {}

    def put(form) -> None:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value

    put(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        put(inline.formset.management_form)
        for form in inline.formset.forms:
            put(form)
    return url, data


def inline_index(data: dict, day: dt.date) -> str:
    return next(
        key.removesuffix("-day")
        for key, value in data.items()
        if key.endswith("-day") and str(value) == day.isoformat()
    )


def test_a_day_edited_on_the_calendar_page_is_staffs_and_moves_deadlines_with_history(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        client.force_login(gm)
        url, data = calendar_page_data(client, calendar)
        # The notice (hypothetically) ends the festival on the 9th: the 10th is worked.
        row = inline_index(data, dt.date(2027, 2, 10))
        data[f"{row}-kind"] = "workday"
        data[f"{row}-name"] = "调休"
        # And the 20th, a Saturday, is a moved working day (added in the empty row).
        prefix = row.rsplit("-", 1)[0]
        extra = int(data[f"{prefix}-TOTAL_FORMS"]) - 1
        data.update(
            {
                f"{prefix}-{extra}-day": "2027-02-20",
                f"{prefix}-{extra}-kind": "workday",
                f"{prefix}-{extra}-name": "调休",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["errors"]
    edited = CalendarDay.objects.get(calendar=calendar, day=dt.date(2027, 2, 10))
    added = CalendarDay.objects.get(calendar=calendar, day=dt.date(2027, 2, 20))
    assert (edited.kind, edited.source, added.source) == ("workday", "manual", "manual")
    expected = close_of_business(
        working_days_after(
            dt.date(2027, 2, 1), 30, extra_workdays={dt.date(2027, 2, 10), dt.date(2027, 2, 20)}
        )
    )
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == expected
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_corrected", gm)
    assert "2027-02-10" in row.history_change_reason
    # The next sync keeps what staff entered.
    with time_machine.travel(ACCEPTED + dt.timedelta(days=3), tick=False):
        call_command("sync_holidays", year=[2027], stdout=StringIO())
    assert CalendarDay.objects.get(calendar=calendar, day=dt.date(2027, 2, 10)).kind == "workday"
    assert fresh(complaint).resolution_due_at == expected


def test_a_day_deleted_on_the_calendar_page_moves_deadlines_with_history(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        client.force_login(gm)
        url, data = calendar_page_data(client, calendar)
        data[f"{inline_index(data, dt.date(2027, 2, 10))}-DELETE"] = "on"
        assert client.post(url, data).status_code == 302
    assert not CalendarDay.objects.filter(calendar=calendar, day=dt.date(2027, 2, 10)).exists()
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == close_of_business(
        working_days_after(dt.date(2027, 2, 1), 30, extra_workdays={dt.date(2027, 2, 10)})
    )
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_corrected", gm)


def test_changing_business_hours_on_the_calendar_page_moves_open_deadlines_with_history(
    client, gm, government_office, make_complaint, manager, category, calendar
):
    complaint = received_and_accepted_in_2027(make_complaint, manager, category)
    due_day = working_days_after(dt.date(2027, 2, 1), 30)
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        client.force_login(gm)
        url, data = calendar_page_data(client, calendar)
        data["closes"] = "17:00"
        response = client.post(url, data, follow=True)
    assert any("recomputed" in str(m) for m in response.context["messages"])
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == dt.datetime.combine(
        due_day, dt.time(17, 0), tzinfo=SHANGHAI
    )
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("calendar_corrected", gm)
    # Saving the page unchanged recomputes nothing.
    before = complaint.history.count()
    with time_machine.travel(ACCEPTED + dt.timedelta(days=2), tick=False):
        url, data = calendar_page_data(client, calendar)
        assert client.post(url, data).status_code == 302
    assert fresh(complaint).history.count() == before


def test_the_load_summary_speaks_the_administrators_language(calendar):
    from django.utils import translation

    with time_machine.travel(dt.datetime(2026, 12, 6, 10, 0, tzinfo=SHANGHAI), tick=False):
        result = years.load_year(calendar, 2027)
    with translation.override("zh-hans"):
        text = result.summary()
    assert f"{result.holidays} 个节假日" in text and "holidays" not in text
    with translation.override("en"):
        assert f"{result.holidays} holidays" in result.summary()
