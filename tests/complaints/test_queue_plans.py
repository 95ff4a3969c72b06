"""Every queue count of the navigation can be answered from an index, for every tier: with
sequential scans priced out, PostgreSQL's plan for each capped count reads no complaint table
sequentially. (At a handful of rows the planner would rightly prefer a scan; the point is that
an index path exists, as it must at a million rows.)"""

from __future__ import annotations

import pytest
from django.db import connection

from complaints import queues, selectors

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]


def capped_plan(user, key: str) -> str:
    queryset = queues.queue_complaints(user, key).order_by().values("pk")[: queues.COUNT_CAP]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    try:
        return queryset.explain()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = on")


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm"])
@pytest.mark.parametrize("key", list(queues.QUEUES))
def test_each_queue_count_reads_an_index(request, persona, key, make_complaint):
    make_complaint()
    user = request.getfixturevalue(persona)
    plan = capped_plan(user, key)
    print(plan)  # shown with pytest -s
    assert "Seq Scan on complaints_complaint" not in plan
    assert selectors.complaints_visible_to(user).exists()


def test_the_new_partial_indexes_exist_with_their_predicates():
    # Which index the planner picks at a handful of rows is its own business; at scale the
    # partial indexes are the small ones, so they must exist with the queues' predicates.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN (%s, %s)",
            ["cmp_unassigned_queue_idx", "cmp_follow_up_due_idx"],
        )
        found = dict(cursor.fetchall())
    assert "assignee_id IS NULL" in found["cmp_unassigned_queue_idx"]
    assert "follow_up_due_at IS NOT NULL" in found["cmp_follow_up_due_idx"]
