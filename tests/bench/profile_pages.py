"""Where a staff page's time goes: SQL against Python (template rendering, mostly).

    scripts/with-postgres .venv/bin/python -m tests.bench.profile_pages --complaints 100000

Seeds N complaints as the product benchmark does (``tests.bench.reports_seed.seed``), or with
``--reuse`` measures the organisation a previous run seeded into the same database. Then it
renders the staff list (default, department filter, text search), a queue and the complaint
page through Django's test client, logged in as the benchmark's users, K times each, and prints
per page the median total ms, the SQL ms in it (every query timed by a cursor wrapper), the
rest ("Python": views, forms, templates), this process's CPU ms (less disturbed than wall
time by other work on a shared machine; it excludes PostgreSQL's own work) and the 15
functions with the most cumulative time under cProfile. The profiled pass is separate from
the timed one: cProfile slows Python down.

Measured at 100,000 complaints on the shared 2-core machine, 2026-12-07 (median of 30, this
process's CPU ms, before -> after the #18 changes; wall time swung by 2x with other work):
list default 77 -> 36, department filter 62 -> 41, text search 66 -> 38, overdue queue 64 -> 41,
unassigned queue (no rows) 54 -> 31, complaint page 24 -> 25 (unchanged: its time is SQL).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]


# Frames that hold a whole request (client, handler, middleware, login_required): left out of
# the listing, so the first rows are the view and what it spends its time on.
WRAPPERS = re.compile(
    r"django/test/client|core/handlers|middleware|utils/deprecation|auth/decorators|<built-in"
)


class SqlTimer:
    """A ``connection.execute_wrapper``: the number of queries and their time."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure(client, path: str, repeat: int, top: int) -> dict:
    from django.db import connection

    for _ in range(2):  # warm: template loaders, translations, the queue-count cache
        response = client.get(path)
    totals, sqls, counts, cpus = [], [], [], []
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            total = time.perf_counter() - started
            cpus.append((time.process_time() - cpu) * 1000)
        totals.append(total * 1000)
        sqls.append(timer.seconds * 1000)
        counts.append(timer.count)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    out = io.StringIO()
    out.write("  cum ms/render  own ms/render  calls/render  function\n")
    entries = sorted(stats.stats.items(), key=lambda item: -item[1][3])
    shown = 0
    for (filename, line, function), (_cc, calls, own, cumulative, _callers) in entries:
        if shown == top:
            break
        where = f"{filename.replace(str(ROOT) + '/', '')}:{line}({function})"
        if WRAPPERS.search(where):
            continue  # the request's way in: every page spends its whole time under them
        shown += 1
        out.write(
            f"  {cumulative * 1000 / repeat:13.2f}  {own * 1000 / repeat:13.2f}  "
            f"{calls / repeat:12.0f}  {where.split('site-packages/')[-1]}\n"
        )
    total_ms, sql_ms = statistics.median(totals), statistics.median(sqls)
    return {
        "status": response.status_code,
        "total": total_ms,
        "sql": sql_ms,
        "python": total_ms - sql_ms,
        "cpu": statistics.median(cpus),
        "queries": max(counts),
        "bytes": len(response.content),
        "profile": out.getvalue(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="renders per page (K)")
    parser.add_argument("--top", type=int, default=15, help="functions listed per page")
    parser.add_argument("--reuse", action="store_true", help="measure what a previous run seeded")
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument("--no-profile", action="store_true", help="the split only")
    parser.add_argument("--dump", type=Path, help="write each page's HTML into this folder")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (scripts/with-postgres).", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["AXES_ENABLED"] = "false"
    os.environ["STATIC_ROOT"] = tempfile.mkdtemp(prefix="redress-static-")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from complaints.models import Complaint
    from tests.bench import reports_seed

    call_command("collectstatic", interactive=False, verbosity=0)
    if args.reuse:
        org = reports_seed.existing_organisation()
    else:
        call_command("migrate", verbosity=0)
        print(f"Seeding {args.complaints:,} complaints...")
        org = reports_seed.seed(args.complaints, notes=True)
    User = get_user_model()

    def client_for(pk: int) -> Client:
        client = Client()
        client.force_login(User.objects.get(pk=pk))
        return client

    gm, manager = client_for(org.gm_id), client_for(org.manager_ids[0])
    frontline = client_for(org.agent_ids[0])
    recent = Complaint.objects.order_by("-received_at").values_list("reference", flat=True)[500]
    pages = [
        ("Staff list, default", gm, "/complaints/"),
        ("Staff list, department filter", gm, f"/complaints/?department={org.department_ids[0]}"),
        ("Staff list, text search", gm, "/complaints/?" + urlencode({"q": "重复扣"})),
        ("Queue: overdue, department manager", manager, "/complaints/?queue=overdue"),
        ("Queue: unassigned, frontline", frontline, "/complaints/?queue=unassigned"),
        ("Complaint page", gm, f"/complaints/{recent}/"),
    ]
    rows = []
    for name, client, path in pages:
        if args.only and args.only.lower() not in name.lower():
            continue
        result = measure(client, path, args.repeat, args.top)
        rows.append((name, result))
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            slug = "".join(c if c.isalnum() else "-" for c in name.lower())
            (args.dump / f"{slug}.html").write_bytes(client.get(path).content)
        if not args.no_profile:
            print(
                f"\n=== {name} ({path}): top {args.top} by cumulative time, {args.repeat} renders"
            )
            print(result["profile"], end="")
    print(f"\nMedian of {args.repeat} renders through the test client (ms):")
    print("| page | total | SQL | Python | CPU | queries | HTTP | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in rows:
        print(
            f"| {name} | {r['total']:.1f} | {r['sql']:.1f} | {r['python']:.1f} | {r['cpu']:.1f} | "
            f"{r['queries']} | {r['status']} | {r['bytes']:,} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
