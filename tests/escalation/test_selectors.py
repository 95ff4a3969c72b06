"""Counts of missed deadlines per department, for the reports."""

from __future__ import annotations

import datetime as dt

import pytest

from complaints import services
from complaints.models import State
from complaints.selectors import complaints_visible_to
from escalation import services as sla
from escalation.selectors import breach_counts_by_department, escalations_by_cause
from tests.conftest import RESOLUTION
from tests.escalation.conftest import MONDAY_0930, SHANGHAI

pytestmark = pytest.mark.django_db


def test_breaches_are_counted_per_department_in_one_query(
    clock,
    make_complaint,
    category,
    frontline,
    manager,
    manager_b,
    dept_a,
    dept_b,
    gm,
    django_assert_num_queries,
):
    late_acceptance = make_complaint(State.RECEIVED)
    waiting = make_complaint(State.ASSIGNED)
    make_complaint(State.REJECTED)
    extended = make_complaint(State.ASSIGNED)
    untouched_b = make_complaint(State.RECEIVED, department=dept_b)

    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=40))  # acceptance was due at 10:00
    late_acceptance = services.classify(
        late_acceptance, by=manager, category=category, priority="normal", department=dept_a
    )
    late_acceptance = services.assign(late_acceptance, by=manager, assignee=frontline)
    services.resolve(late_acceptance, by=frontline, **RESOLUTION)
    sla.request_extension(
        extended,
        by=manager,
        proposed_due_at=dt.datetime(2026, 3, 6, 18, 0, tzinfo=SHANGHAI),
        reason="Complex",
    )
    services.escalate(untouched_b, by=manager_b, reason="Needs a manager")

    now = dt.datetime(2026, 3, 5, 10, 0, tzinfo=SHANGHAI)
    since = dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    everything = complaints_visible_to(gm)  # the GM's tier is read here, not counted below
    with django_assert_num_queries(1):
        rows = breach_counts_by_department(since=since, until=now, now=now, complaints=everything)
    by_name = {row["department__name"]: row for row in rows}
    assert by_name["Customer service"] == {
        "department_id": dept_a.pk,
        "department__name": "Customer service",
        "complaints": 4,
        "acceptance_missed": 1,
        "first_response_missed": 2,  # the waiting one and the extended one: nobody replied
        "resolution_missed": 1,  # the extension moved the other's deadline to Friday
        "escalated": 0,
        "extensions": 1,
    }
    assert by_name["Billing"] == {
        "department_id": dept_b.pk,
        "department__name": "Billing",
        "complaints": 1,
        "acceptance_missed": 1,
        "first_response_missed": 1,
        "resolution_missed": 1,
        "escalated": 1,
        "extensions": 0,
    }
    assert waiting.state == State.ASSIGNED
    assert escalations_by_cause(gm, since=since, until=now) == [
        {"complaint__department_id": dept_b.pk, "to_tier": "manager", "cause": "manual", "count": 1}
    ]


def test_escalations_by_cause_counts_only_what_the_reader_sees(
    clock, make_complaint, manager, manager_b, dept_b
):
    escalated_b = make_complaint(State.RECEIVED, department=dept_b)
    services.escalate(escalated_b, by=manager_b, reason="Needs a manager")
    since = dt.datetime(2026, 3, 1, tzinfo=SHANGHAI)
    until = dt.datetime(2026, 3, 31, tzinfo=SHANGHAI)

    assert escalations_by_cause(manager, since=since, until=until) == []
    assert escalations_by_cause(manager_b, since=since, until=until) == [
        {"complaint__department_id": dept_b.pk, "to_tier": "manager", "cause": "manual", "count": 1}
    ]
