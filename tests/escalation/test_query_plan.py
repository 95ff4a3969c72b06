"""The sweep's query reads the partial index of running clocks, not the table, at 100,000
complaints (seeded with INSERT ... SELECT generate_series, as the benchmark does)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.bench.sweep import explain_sweep_query, organisation, seed

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL query plans"),
]


def test_the_sweep_query_uses_the_partial_index_at_100k_complaints():
    seed(100_000, breaching=300, open_count=2_000, org=organisation())
    plan = explain_sweep_query(analyze=True)
    print(plan)  # shown with pytest -s
    assert "Index Scan using cmp_sla_sweep_idx on complaints_complaint" in plan
    assert "Seq Scan" not in plan
    assert "rows=300 loops=1" in plan.splitlines()[0]  # the 300 missed, nothing else read
