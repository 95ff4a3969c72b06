"""Each time limit counts from the event its policy names (DOMAIN.md, "Exact definitions"):
the government office decides acceptance within 3 working days of receipt and handles within
30 working days of acceptance (自受理之日起), honouring the moved working days (调休); a limit
whose event has not happened has no date; editing a policy recomputes open deadlines with
history; the deadlines page says what each clock counts from."""

from __future__ import annotations

import datetime as dt

import holidays
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, State
from escalation import services as sla
from escalation.models import SlaPolicy
from tests.escalation.conftest import SHANGHAI

pytestmark = pytest.mark.django_db

GOVERNMENT = "Government office (信访)"
# Friday 2026-09-18. Sunday 09-20 and Saturday 10-10 are moved working days (调休); National
# Day and the days it moved (10-01 … 10-07) are off.
FRIDAY = dt.datetime(2026, 9, 18, 10, 0, tzinfo=SHANGHAI)


def close_of_business(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(18, 0), tzinfo=SHANGHAI)


def working_days_after(day: dt.date, count: int) -> dt.date:
    """An oracle independent of escalation.calendar: the holidays package's own calendar."""
    cn = holidays.country_holidays("CN", years=[day.year, day.year + 1])
    while count:
        day += dt.timedelta(days=1)
        count -= cn.is_working_day(day)
    return day


@pytest.fixture
def government_office(db):
    SlaPolicy.objects.filter(active=True).update(active=False)
    policy = SlaPolicy.objects.get(name=GOVERNMENT)
    policy.active = True
    policy.save()
    return policy


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def test_the_seeded_policies_count_from_the_events_in_domain_md():
    government = SlaPolicy.objects.get(name=GOVERNMENT)
    assert [government.start(t) for t in ("acceptance", "resolution")] == [
        "received",
        "accepted",
    ]
    for policy in SlaPolicy.objects.exclude(name=GOVERNMENT):
        assert policy.start("acceptance") == policy.start("first_response") == "received"
        assert policy.start("follow_up") == "resolved"


def test_a_limit_cannot_count_from_an_event_after_it(government_office):
    government_office.resolution_from = "resolved"
    with pytest.raises(ValidationError) as refused:
        government_office.full_clean()
    assert "resolution_from" in refused.value.message_dict


@pytest.mark.parametrize(
    ("accepted_at", "handling_counts_from"),
    [
        # Wednesday 23:30 is still Wednesday in Beijing (15:30 UTC).
        (dt.datetime(2026, 9, 23, 23, 30, tzinfo=SHANGHAI), dt.date(2026, 9, 23)),
        # 00:30 on Thursday is Thursday (Wednesday 16:30 UTC).
        (dt.datetime(2026, 9, 24, 0, 30, tzinfo=SHANGHAI), dt.date(2026, 9, 24)),
    ],
)
def test_government_office_handling_counts_30_working_days_from_acceptance_not_receipt(
    government_office, make_complaint, manager, category, accepted_at, handling_counts_from
):
    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.RECEIVED)
    # Received: only the acceptance decision runs; handling waits for acceptance.
    assert complaint.acceptance_due_at == close_of_business(dt.date(2026, 9, 22))  # Sun 调休
    assert complaint.acceptance_due_at == close_of_business(working_days_after(FRIDAY.date(), 3))
    assert complaint.resolution_due_at is None
    with time_machine.travel(accepted_at, tick=False):
        complaint = services.classify(
            complaint,
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )
    due = close_of_business(working_days_after(handling_counts_from, 30))
    assert complaint.resolution_due_at == due
    assert fresh(complaint).resolution_due_at == due
    # The 调休 Saturday 10-10 is counted and National Day is not: Wednesday → 11-11.
    if handling_counts_from == dt.date(2026, 9, 23):
        assert due == close_of_business(dt.date(2026, 11, 11))
    # Counted from receipt it would have ended almost a week earlier.
    assert due > close_of_business(working_days_after(FRIDAY.date(), 30))
    assert complaint.next_due_at == due


def test_a_pause_after_acceptance_still_moves_the_handling_deadline_and_one_before_does_not(
    government_office, make_complaint, manager, frontline, category
):
    with time_machine.travel(FRIDAY, tick=False) as clock:
        complaint = make_complaint(State.RECEIVED)
        # Stopped Friday 10:00 → Monday 10:00, before acceptance: the acceptance clock moves,
        # the handling clock, which starts at acceptance, does not.
        sla.request_pause(
            complaint,
            by=manager,
            reason_code="waiting_complainant",
            until=FRIDAY + dt.timedelta(days=10),
        )
        clock.move_to(dt.datetime(2026, 9, 21, 10, 0, tzinfo=SHANGHAI))
        sla.resume(complaint, by=manager)
        clock.move_to(dt.datetime(2026, 9, 23, 9, 0, tzinfo=SHANGHAI))
        complaint = services.classify(
            fresh(complaint),
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )
        assert complaint.resolution_due_at == close_of_business(dt.date(2026, 11, 11))
        # Stopped Tuesday 10:00 → Wednesday 10:00 while handling: 9 working hours later.
        clock.move_to(dt.datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI))
        sla.request_pause(
            complaint,
            by=manager,
            reason_code="waiting_third_party",
            until=dt.datetime(2026, 9, 30, 12, 0, tzinfo=SHANGHAI),
        )
        clock.move_to(dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI))
        sla.resume(complaint, by=manager)
    assert fresh(complaint).resolution_due_at == close_of_business(dt.date(2026, 11, 12))


def test_a_limit_counted_from_assignment_starts_when_the_complaint_is_assigned(
    make_complaint, manager, frontline, category
):
    policy = SlaPolicy.objects.get(name="Standard — normal")
    policy.first_response_from = "assigned"
    policy.save()
    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.CLASSIFIED)
        assert complaint.first_response_due_at is None
    with time_machine.travel(FRIDAY + dt.timedelta(hours=2), tick=False):
        complaint = services.assign(complaint, by=manager, assignee=frontline)
    assert complaint.first_response_due_at == FRIDAY + dt.timedelta(hours=26)


def test_editing_a_policy_in_the_admin_recomputes_open_deadlines_with_history(
    client, gm, government_office, make_complaint, manager, category
):
    with time_machine.travel(FRIDAY, tick=False):
        waiting = make_complaint(State.RECEIVED)
        handled = make_complaint(State.ASSIGNED)
        closed = make_complaint(State.CLOSED)
    before_closed = closed.history.count()
    data = {
        key: value
        for key, value in model_to_dict(government_office).items()
        if value is not None and value is not False
    }
    data.update(resolution_amount=20, _save="Save")
    client.force_login(gm)
    with time_machine.travel(FRIDAY + dt.timedelta(days=1), tick=False):
        response = client.post(
            reverse("admin:escalation_slapolicy_change", args=[government_office.pk]), data
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    handled = fresh(handled)
    # Accepted on Friday itself: 20 working days from Friday, with the 调休 days.
    assert handled.resolution_due_at == close_of_business(working_days_after(FRIDAY.date(), 20))
    row = handled.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("policy_changed", gm)
    assert GOVERNMENT in row.history_change_reason
    # Still waiting for acceptance: handling has no date yet, and nothing moved, no row.
    assert fresh(waiting).resolution_due_at is None
    assert fresh(waiting).history.order_by("history_id").last().history_transition != (
        "policy_changed"
    )
    assert closed.history.count() == before_closed


def test_saving_a_policy_unchanged_writes_no_history(gm, make_complaint):
    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.ASSIGNED)
        before = complaint.history.count()
        assert sla.recompute_open_deadlines(by=gm, reason="checked") == 0
    assert fresh(complaint).history.count() == before


def test_recomputing_many_open_complaints_costs_a_fixed_number_of_queries(
    gm, make_complaint, django_assert_max_num_queries
):
    with time_machine.travel(FRIDAY, tick=False):
        complaints = [make_complaint(State.ASSIGNED) for _ in range(6)]
    policy = SlaPolicy.objects.get(name="Standard — normal")
    policy.resolution_amount = 96
    policy.save()
    with (
        time_machine.travel(FRIDAY, tick=False),
        # ids, the rule book (5), pauses, the row locks, the UPDATE pipeline, one history
        # INSERT and the audit seals, savepoints: 17 whatever the number of complaints.
        django_assert_max_num_queries(17),
    ):
        assert sla.recompute_open_deadlines(by=gm, reason="96 hours") == 6
    assert {fresh(c).resolution_due_at for c in complaints} == {FRIDAY + dt.timedelta(hours=96)}


def test_the_deadlines_page_says_what_each_clock_counts_from(
    client, government_office, make_complaint, manager, category
):
    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.RECEIVED)
        client.force_login(manager)
        page = reverse("escalation:complaint", kwargs={"reference": complaint.reference})
        body = client.get(page).content.decode()
        assert "counts from receipt" in body
        assert "counts from acceptance (classification)" in body
        assert "not started yet" in body  # handling waits for acceptance
    with time_machine.travel(dt.datetime(2026, 9, 23, 11, 0, tzinfo=SHANGHAI), tick=False):
        complaint = services.classify(
            complaint,
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )
        body = client.get(page).content.decode()
    assert "counts from acceptance (classification)" in body
    assert "2026-11-11 18:00" in body
    assert "2026-11-05 18:00" not in body  # not 30 working days from receipt


def test_a_clock_that_starts_during_a_pause_moves_only_by_the_rest_of_the_pause(
    government_office, make_complaint, manager, category
):
    with time_machine.travel(FRIDAY, tick=False) as clock:
        complaint = make_complaint(State.RECEIVED)
        # Stopped Tuesday 10:00; accepted Wednesday 09:00 while stopped; restarted Wednesday
        # 11:00: the handling clock lost two working hours (09:00-11:00), not the whole pause.
        clock.move_to(dt.datetime(2026, 9, 22, 10, 0, tzinfo=SHANGHAI))
        sla.request_pause(
            complaint,
            by=manager,
            reason_code="waiting_complainant",
            until=dt.datetime(2026, 9, 24, 10, 0, tzinfo=SHANGHAI),
        )
        clock.move_to(dt.datetime(2026, 9, 23, 9, 0, tzinfo=SHANGHAI))
        complaint = services.classify(
            fresh(complaint),
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )
        clock.move_to(dt.datetime(2026, 9, 23, 11, 0, tzinfo=SHANGHAI))
        sla.resume(complaint, by=manager)
    assert fresh(complaint).resolution_due_at == dt.datetime(2026, 11, 12, 11, 0, tzinfo=SHANGHAI)


def test_the_follow_up_counts_from_resolution_in_both_languages(
    client, make_complaint, manager, settings
):
    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.RESOLVED)
        client.force_login(manager)
        page = reverse("escalation:complaint", kwargs={"reference": complaint.reference})
        english = client.get(page).content.decode()
        settings.LANGUAGE_CODE = "zh-hans"
        chinese = client.get(page, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "counts from resolution" in english
    assert "counts from receipt" in english
    # The start event, not the handling deadline (处理) that shares the English word.
    assert "自办结起算" in chinese and "自处理起算" not in chinese
    assert "自收到起算" in chinese


def test_after_the_upgrade_recompute_deadlines_moves_handling_to_count_from_acceptance(
    government_office, make_complaint, manager, category
):
    from io import StringIO

    from django.core.management import call_command

    with time_machine.travel(FRIDAY, tick=False):
        complaint = make_complaint(State.RECEIVED)
    with time_machine.travel(dt.datetime(2026, 9, 23, 11, 0, tzinfo=SHANGHAI), tick=False):
        complaint = services.classify(
            complaint,
            by=manager,
            category=category,
            priority="normal",
            department=complaint.department,
        )
    # As computed before migration 0004 (30 working days from receipt), which changed the
    # policy with .update() and so recomputed nothing.
    before_upgrade = dt.datetime(2026, 11, 5, 18, 0, tzinfo=SHANGHAI)
    Complaint.objects.filter(pk=complaint.pk).update(resolution_due_at=before_upgrade)
    rows = fresh(complaint).history.count()
    with time_machine.travel(dt.datetime(2026, 9, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        out = StringIO()
        call_command("recompute_deadlines", stdout=out)
        assert "1 open complaint(s)" in out.getvalue()
        call_command("recompute_deadlines", stdout=StringIO())  # nothing left to move
    complaint = fresh(complaint)
    assert complaint.resolution_due_at == dt.datetime(2026, 11, 11, 18, 0, tzinfo=SHANGHAI)
    assert complaint.history.count() == rows + 1
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("policy_changed", None)
    assert "upgrade" in row.history_change_reason
