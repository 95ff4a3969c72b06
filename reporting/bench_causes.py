# ruff: noqa: S608 - the SQL here is built from constants and integers of our own, no input
"""Root causes for the reports benchmark (``reporting.bench.seed``): a two-level catalogue and a
coded cause on nine in ten resolved complaints, skewed so a few causes recur most, written with
one UPDATE. The recurring-causes page is then timed by ``manage.py bench_reports``."""

from __future__ import annotations

from django.db import connection

from complaints.models import Complaint, RootCause

CATALOGUE = {
    ("process", "流程"): ["missing-step", "unclear-rule", "handover-gap"],
    ("people", "人员"): ["training", "attitude", "workload"],
    ("system", "系统"): ["outage", "billing-bug", "data-error"],
    ("product", "产品"): ["defect", "design", "labelling"],
    ("third-party", "第三方"): ["courier", "bank", "supplier"],
}


def seed_causes() -> list[int]:
    """Create the catalogue and code the resolved complaints; returns the finer causes' ids."""
    finer = []
    for (code, name), children in CATALOGUE.items():
        parent = RootCause.objects.create(code=code, name=name)
        for child in children:
            finer.append(
                RootCause.objects.create(code=f"{code}-{child}", name=child, parent=parent).pk
            )
    ids = "ARRAY[" + ",".join(str(pk) for pk in finer) + "]::bigint[]"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Complaint._meta.db_table} "
            f"SET cause_id = ({ids})[1 + floor(power(random(), 2) * {len(finer)})::int] "
            "WHERE resolved_at IS NOT NULL AND random() < 0.9"
        )
    return finer
