"""Benchmark of the SLA sweep on PostgreSQL: N complaints, B of them past a deadline.

    scripts/with-postgres sh -c '.venv/bin/python manage.py migrate -v0 &&
        .venv/bin/python -m tests.bench.sweep --complaints 1000000 --breaching 1000'

It needs ``DATABASE_URL`` pointing at a migrated, empty database (``scripts/with-postgres``
gives a throwaway one). Complaints are written with ``INSERT ... SELECT generate_series``: most
are closed (next_due_at NULL, outside the sweep's partial index), ``--open`` are being handled
with a deadline ahead, and ``--breaching`` are assigned to frontline staff with a resolution
deadline already missed. It prints the sweep query's EXPLAIN (ANALYZE), then times one sweep
(which escalates every missed one through ``complaints.services.escalate``) and a second
sweep (which must escalate nothing). ``--misses`` is ``--breaching``; when the misses exceed
``ESCALATION_SWEEP_BATCH`` the first figure adds up the runs it takes to escalate them all.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

# Seeding helpers are importable without Django configured; main() sets it up.


def organisation() -> dict:
    """Three departments, each with a manager and two frontline agents, and a general manager."""
    from django.contrib.auth import get_user_model

    from complaints import services
    from complaints.models import Department

    User = get_user_model()
    departments, agents = [], []
    for code in ("service", "billing", "technical"):
        dept = Department.objects.create(code=f"bench-{code}", name=f"Bench {code}")
        manager = User.objects.create_user(f"bench-manager-{code}", email=f"m-{code}@bench.test")
        services.set_staff_profile(manager, tier="manager", department=dept)
        dept.manager = manager
        dept.save()
        departments.append(dept.pk)
        for i in range(2):
            agent = User.objects.create_user(f"bench-agent-{code}-{i}")
            services.set_staff_profile(agent, tier="frontline", department=dept)
            agents.append(agent.pk)
    gm = User.objects.create_user("bench-gm", email="gm@bench.test")
    services.set_staff_profile(gm, tier="gm", department=None)
    return {"departments": departments, "agents": agents}


def _literal(value) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    return str(value)  # numbers, Decimal


def _array(values) -> str:
    return "ARRAY[" + ",".join(str(int(v)) for v in values) + "]::bigint[]"


def seed(total: int, breaching: int, open_count: int, org: dict) -> None:
    """Insert ``total`` complaints in one statement; see the module docstring for the mix."""
    from django.db import connection
    from django.utils import timezone

    from complaints.models import Complaint

    # The application's clock, not the server's now(): the two differ under a moved test clock.
    now = f"'{timezone.now().isoformat()}'::timestamptz"
    depts, agents = _array(org["departments"]), _array(org["agents"])
    n_depts, n_agents = len(org["departments"]), len(org["agents"])
    kind = (
        f"CASE WHEN g <= {breaching} THEN 'late' "
        f"WHEN g <= {breaching + open_count} THEN 'open' ELSE 'done' END"
    )
    open_state = "(ARRAY['received','classified','assigned'])[1 + g % 3]"
    state = f"CASE k WHEN 'late' THEN 'assigned' WHEN 'open' THEN {open_state} ELSE 'closed' END"
    # Missed deadlines spread over the last hours; open ones fall in the next three days.
    due = (
        f"CASE k WHEN 'late' THEN {now} - (g % 600 + 1) * interval '1 minute' "
        f"WHEN 'open' THEN {now} + (g % 72 + 1) * interval '1 hour' END"
    )
    recv = (
        f"CASE k WHEN 'done' THEN {now} - (g % 700 + 4) * interval '1 day' "
        f"ELSE {now} - interval '4 days' END"
    )
    columns = {
        "reference": "'B-' || lpad(g::text, 8, '0')",
        "tracking_code": "upper(substr(md5(g::text), 1, 10))",
        "state": "st",
        "version": "CASE st WHEN 'received' THEN 1 WHEN 'classified' THEN 2 "
        "WHEN 'assigned' THEN 3 ELSE 6 END",
        "channel": "'phone'",
        "received_at": "recv",
        "complainant_name": "'Bench ' || g",
        "complainant_phone": "'138' || lpad(g::text, 8, '0')",
        "complainant_phone_norm": "'138' || lpad(g::text, 8, '0')",
        "description": "'Seeded complaint ' || g",
        "priority": "'normal'",
        "department_id": f"({depts})[1 + g % {n_depts}]",
        "assignee_id": f"CASE WHEN st IN ('assigned','closed') "
        f"THEN ({agents})[1 + g % {n_agents}] END",
        "tier": "'frontline'",
        "classified_at": "CASE WHEN st <> 'received' THEN recv + interval '10 minutes' END",
        "assigned_at": "CASE WHEN st IN ('assigned','closed') THEN recv + interval '1 hour' END",
        "first_response_at": "CASE WHEN k <> 'open' THEN recv + interval '2 hours' END",
        "resolved_at": "CASE WHEN k = 'done' THEN recv + interval '40 hours' END",
        "followed_up_at": "CASE WHEN k = 'done' THEN recv + interval '3 days' END",
        "closed_at": "CASE WHEN k = 'done' THEN recv + interval '3 days' END",
        "acceptance_due_at": "recv + interval '30 minutes'",
        "first_response_due_at": "CASE WHEN k = 'open' THEN due "
        "ELSE recv + interval '24 hours' END",
        "resolution_due_at": "COALESCE(due, recv + interval '72 hours')",
        "follow_up_due_at": "CASE WHEN k = 'done' THEN recv + interval '9 days' END",
        "next_due_at": "due",
        "root_cause": "CASE WHEN k = 'done' THEN 'seeded' ELSE '' END",
        "resolution_summary": "CASE WHEN k = 'done' THEN 'seeded' ELSE '' END",
        "substantiated": "CASE WHEN k = 'done' THEN TRUE END",
        "follow_up_outcome": "CASE WHEN k = 'done' THEN 'satisfied' ELSE '' END",
        "created_at": "recv",
        "updated_at": "recv",
    }
    for field in Complaint._meta.concrete_fields:
        if field.column in columns or field.column == "id":
            continue
        if field.null:
            columns[field.column] = "NULL"
        elif field.has_default() and not callable(field.default):
            columns[field.column] = _literal(field.default)
        elif field.get_internal_type() in ("CharField", "TextField", "EmailField"):
            columns[field.column] = "''"
        else:
            raise RuntimeError(f"tests/bench/sweep.py cannot fill {field.column}")
    names = list(columns)
    sql = f"""
        INSERT INTO {Complaint._meta.db_table} ({", ".join(names)})
        SELECT {", ".join(columns[name] for name in names)}
        FROM (
            SELECT g, k, recv, due, {state} AS st FROM (
                SELECT g, k, {recv} AS recv, {due} AS due FROM (
                    SELECT g, {kind} AS k FROM generate_series(1, {total}) AS g
                ) AS kinds
            ) AS timed
        ) AS rows
    """
    with connection.cursor() as cursor:
        cursor.execute(sql)
        cursor.execute(f"ANALYZE {Complaint._meta.db_table}")


def explain_sweep_query(analyze: bool = True) -> str:
    from django.conf import settings
    from django.utils import timezone

    from escalation.sweep import due_complaints

    horizon = timezone.now() + timezone.timedelta(minutes=settings.ESCALATION_WARN_MINUTES)
    query = due_complaints(horizon, settings.ESCALATION_SWEEP_BATCH)
    return query.explain(analyze=analyze) if analyze else query.explain()


# Where the sweep's time goes, by the function that owns it (cumulative, under cProfile).
BREAKDOWN = {
    "escalation.sweep._escalate_all (finding what was missed, escalating)": (
        "escalation/sweep.py",
        "_escalate_all",
    ),
    "  which deadline was missed (identify)": ("escalation/sweep.py", "identify"),
    "  complaints.services.escalate_many": ("complaints/services/assignment.py", "escalate_many"),
    "    escalation: deadlines (complaint_changing)": ("escalation/signals.py", "set_due_times"),
    "    UPDATE and history INSERT": ("complaints/services/pipeline.py", "_save_many"),
    "      of which the UPDATE": ("complaints/services/pipeline.py", "_update_rows"),
    "      of which the reporting audit seals": ("reporting/audit.py", "seal_many"),
    "    escalation: records + notices (complaints_changed)": (
        "escalation/signals.py",
        "follow_lifecycle_in_bulk",
    ),
}


def print_breakdown(profiler) -> None:
    import pstats

    stats = pstats.Stats(profiler)
    print("\nwhere the first sweep's time went (cProfile, inflated by profiling):")
    for label, (path, name) in BREAKDOWN.items():
        total = sum(
            cumulative
            for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in (
                stats.stats.items()
            )
            if filename.endswith(path) and function == name
        )
        print(f"  {label:70s} {total:7.2f}s")
    print("\nthe most expensive functions by their own time:")
    stats.sort_stats("tottime").print_stats(15)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument(
        "--breaching", "--misses", type=int, default=1_000, help="complaints past a deadline"
    )
    parser.add_argument("--open", type=int, default=None, help="default: 2%% of --complaints")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also run the first sweep under cProfile and print where its time went",
    )
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a throwaway PostgreSQL (see scripts/with-postgres).")
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from complaints.models import Complaint
    from escalation.models import Escalation
    from escalation.sweep import sweep

    if Complaint.objects.exists():
        print("The database already holds complaints: the benchmark wants an empty one.")
        return 2
    open_count = args.open if args.open is not None else args.complaints // 50
    started = time.perf_counter()
    seed(args.complaints, args.breaching, open_count, organisation())
    print(
        f"seeded {args.complaints:,} complaints ({args.breaching:,} past a deadline, "
        f"{open_count:,} open with a deadline ahead) in {time.perf_counter() - started:.1f}s"
    )
    print("\nEXPLAIN ANALYZE of the sweep query:")
    print(explain_sweep_query())

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    # One sweep escalates at most ESCALATION_SWEEP_BATCH (5,000) misses; the next run, a
    # minute later, takes the rest: the figure is the time of the runs that escalate them all.
    started = time.perf_counter()
    report = sweep()
    runs = 1
    while len(report.escalated) < args.breaching:
        more = sweep()
        if not more.escalated:
            break
        report.merge(more)
        runs += 1
    first = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        print_breakdown(profiler)
    escalated = Escalation.objects.count()
    print(f"\nsweep 1 ({runs} run{'s' if runs > 1 else ''}): {first:.2f}s — {report.summary()}")
    started = time.perf_counter()
    again = sweep()
    second = time.perf_counter() - started
    print(f"sweep 2: {second:.2f}s — {again.summary()}")
    ok = escalated == args.breaching and not again.escalated
    print(
        f"\nSLA sweep of {args.breaching:,} misses: {first * 1000:,.0f} ms "
        f"(target for 10,000: ≤ 2,000 ms; {first * 1000 / max(args.breaching, 1):.2f} ms a miss)"
    )
    print(
        f"\nRESULT complaints={args.complaints} breaching={args.breaching} "
        f"sweep_seconds={first:.2f} escalated={escalated} repeat_escalated={len(again.escalated)} "
        f"{'OK' if ok else 'MISMATCH'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
