"""Services that know every column they change write only those (``save(update_fields=...)``),
and simple-history still writes their row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db


def _complaint_updates(queries) -> list[str]:
    table = Complaint._meta.db_table
    return [q["sql"] for q in queries if q["sql"].startswith(f'UPDATE "{table}"')]


def test_set_deadlines_updates_only_the_columns_it_is_given(make_complaint, manager):
    complaint = make_complaint(State.ASSIGNED)
    due = timezone.now() + dt.timedelta(days=3)

    with CaptureQueriesContext(connection) as queries:
        services.set_deadlines(
            complaint,
            by=manager,
            action="extension",
            reason="Waiting for the bank",
            **{
                "resolution_due_at": due,
                "extension_count": 1,
            },
        )

    (update,) = _complaint_updates(queries.captured_queries)
    assigned = update.split(" WHERE ")[0]
    assert '"resolution_due_at"' in assigned
    assert '"extension_count"' in assigned
    assert '"updated_at"' in assigned
    # Nothing it did not change: a concurrent writer of these columns is never overwritten.
    for column in ("description", "assignee_id", "state", "version", "next_due_at"):
        assert f'"{column}"' not in assigned


def test_set_deadlines_still_writes_its_history_row(make_complaint, manager):
    complaint = make_complaint(State.ASSIGNED)
    due = timezone.now() + dt.timedelta(days=3)

    services.set_deadlines(
        complaint,
        by=manager,
        action="extension",
        reason="Waiting for the bank",
        resolution_due_at=due,
    )

    row = complaint.history.order_by("-history_date", "-history_id").first()
    assert row.history_transition == "extension"
    assert row.history_user == manager
    assert row.history_change_reason == "Waiting for the bank"
    assert row.resolution_due_at == due
    assert row.state == State.ASSIGNED


def test_set_staff_profile_writes_tier_and_department_with_a_history_row(frontline, dept_b, gm):
    profile = services.set_staff_profile(frontline, tier="manager", department=dept_b, by=gm)

    profile.refresh_from_db()
    assert (profile.tier, profile.department) == ("manager", dept_b)
    row = profile.history.order_by("-history_date", "-history_id").first()
    assert (row.tier, row.department_id, row.history_user) == ("manager", dept_b.pk, gm)
