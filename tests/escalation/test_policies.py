"""SLA policies: the shipped defaults, which policy applies to a complaint, edits taking effect,
the working calendar's upkeep (sync_holidays, the deployment check) and the admin."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from complaints.models import State
from escalation import years
from escalation.checks import calendar_covers_the_coming_year
from escalation.models import CalendarDay, CalendarYear, SlaPolicy, WorkCalendar
from escalation.rulebook import rulebook
from tests.escalation.conftest import MONDAY_0930

pytestmark = pytest.mark.django_db


def test_the_defaults_from_domain_md_are_shipped():
    active = {p.name: p for p in SlaPolicy.objects.filter(active=True)}
    assert set(active) == {
        "Standard — normal",
        "Standard — urgent",
        "Standard — major",
        "Appeals against refusals (不予受理复查)",  # #16: 不予受理复查 has its own clock
    }
    appeals = active["Appeals against refusals (不予受理复查)"]
    assert appeals.refusal_appeals
    assert appeals.target("resolution") == (15, "working_days")
    normal = active["Standard — normal"]
    assert normal.target("acceptance") == (30, "minutes")
    assert normal.target("first_response") == (24, "hours")
    assert normal.target("resolution") == (72, "hours")
    urgent = active["Standard — urgent"]
    assert (urgent.target("frontline_budget"), urgent.target("manager_budget")) == (
        (15, "minutes"),
        (30, "minutes"),
    )
    government = SlaPolicy.objects.get(name="Government office (信访)")
    assert not government.active
    assert government.target("acceptance") == (3, "working_days")
    assert government.target("resolution") == (30, "working_days")


def test_the_most_specific_active_policy_applies(category, other_category, dept_a, dept_b):
    by_category = SlaPolicy.objects.create(name="Rude staff", category=category.parent)
    by_leaf = SlaPolicy.objects.create(
        name="Rude staff, urgent", category=category, priority="urgent"
    )
    by_department = SlaPolicy.objects.create(name="Billing", department=dept_b)
    book = rulebook()

    def name(**kw):
        policy = book.policy_for(**kw)
        return policy.name if policy else None

    assert name(priority="normal", category_id=None, department_id=dept_a.pk) == "Standard — normal"
    assert name(priority="normal", category_id=category.pk, department_id=dept_a.pk) == (
        by_category.name
    )
    assert name(priority="urgent", category_id=category.pk, department_id=dept_a.pk) == (
        by_leaf.name
    )
    assert name(priority="urgent", category_id=category.pk, department_id=dept_b.pk) == (
        by_department.name
    )
    assert name(priority="major", category_id=other_category.pk, department_id=None) == (
        "Standard — major"
    )


def test_two_active_policies_for_the_same_complaints_are_refused():
    duplicate = SlaPolicy(name="Another normal", priority="normal")
    with pytest.raises(ValidationError, match="Another active policy already covers"):
        duplicate.full_clean()
    SlaPolicy(name="Inactive normal", priority="normal", active=False).full_clean()


def test_an_edited_policy_applies_to_the_next_complaint_at_once(clock, make_complaint):
    assert make_complaint(State.RECEIVED).acceptance_due_at == MONDAY_0930 + dt.timedelta(
        minutes=30
    )
    policy = SlaPolicy.objects.get(name="Standard — normal")
    policy.acceptance_amount = 2
    policy.acceptance_unit = "working_hours"
    policy.save()
    assert make_complaint(State.RECEIVED).acceptance_due_at == MONDAY_0930 + dt.timedelta(hours=2)


def test_without_any_policy_only_a_promised_reply_is_a_deadline(clock, make_complaint):
    SlaPolicy.objects.update(active=False)
    promised = MONDAY_0930 + dt.timedelta(hours=3)
    complaint = make_complaint(State.RECEIVED, promised_reply_at=promised)
    assert complaint.acceptance_due_at is None and complaint.resolution_due_at is None
    assert complaint.next_due_at == promised


def test_sync_holidays_adds_the_package_days_and_keeps_what_staff_entered():
    calendar = WorkCalendar.objects.get(is_default=True)
    CalendarDay.objects.create(
        calendar=calendar, day=dt.date(2027, 2, 1), kind="closure", name="Stocktaking"
    )
    out = StringIO()
    call_command("sync_holidays", year=[2027], stdout=out)
    assert "China (mainland) 2027:" in out.getvalue()
    assert CalendarDay.objects.filter(calendar=calendar, day=dt.date(2027, 10, 1)).get().kind == (
        "holiday"
    )
    assert CalendarDay.objects.get(day=dt.date(2027, 2, 1)).name == "Stocktaking"
    # A day the package no longer lists is removed; a second run changes nothing.
    CalendarDay.objects.create(
        calendar=calendar, day=dt.date(2027, 3, 3), kind="holiday", source="package"
    )
    again = StringIO()
    call_command("sync_holidays", year=[2027], stdout=again)
    assert "(+0 new, 0 changed, 1 removed)" in again.getvalue()
    assert not CalendarDay.objects.filter(day=dt.date(2027, 3, 3)).exists()


def test_the_deployment_check_warns_in_november_until_next_year_is_confirmed(gm):
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC), tick=False):
        warnings = calendar_covers_the_coming_year(databases=["default"])
        assert [w.id for w in warnings] == ["escalation.W001"]
        assert "2027 is not loaded" in warnings[0].msg
        call_command("sync_holidays", year=[2027], stdout=StringIO())
        # Loaded from the package is not enough: someone must check it against the notice.
        warnings = calendar_covers_the_coming_year(databases=["default"])
        assert "2027 is not confirmed" in warnings[0].msg
        years.confirm_year(CalendarYear.objects.get(year=2027), by=gm)
        assert calendar_covers_the_coming_year(databases=["default"]) == []


def test_the_general_manager_edits_policies_in_the_admin_and_frontline_only_reads(
    client, gm, frontline
):
    policy = SlaPolicy.objects.get(name="Standard — normal")
    change = reverse("admin:escalation_slapolicy_change", args=[policy.pk])
    client.force_login(frontline)
    assert client.get(change).status_code == 200
    assert client.post(change, {"name": "x"}).status_code == 403
    client.force_login(gm)
    assert client.get(reverse("admin:escalation_slapolicy_changelist")).status_code == 200
    assert client.get(reverse("admin:escalation_calendarday_add")).status_code == 200
