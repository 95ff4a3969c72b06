"""The Redress benchmark: seed N complaints into PostgreSQL, then time the product through real
HTTP against gunicorn.

    make bench                                   # 100,000 complaints
    make bench BENCH_ARGS="--complaints 1000000" # a million

It needs ``DATABASE_URL`` (``make bench`` starts a throwaway PostgreSQL with
``scripts/with-postgres``). It prints a table of medians and 95th percentiles and writes it to
``bench-results/<N>.md``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    name: str
    target: str
    timings_ms: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.timings_ms) if self.timings_ms else float("nan")

    @property
    def p95(self) -> float:
        if not self.timings_ms:
            return float("nan")
        ordered = sorted(self.timings_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A keep-alive HTTP client holding one session (cookie) or token."""

    def __init__(self, port: int, *, cookie: str = "", token: str = "") -> None:
        self.port = port
        self.headers = {"Host": "127.0.0.1"}
        if cookie:
            self.headers["Cookie"] = cookie
        if token:
            self.headers["Authorization"] = f"Token {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None, headers=None):
        all_headers = {**self.headers, **(headers or {})}
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=all_headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            raise
        return response.status, payload, (time.perf_counter() - started) * 1000


def timed(client: Client, path: str, repeat: int, *, warm: int = 2) -> tuple[list[float], int]:
    status = 0
    for _ in range(warm):
        status, _body, _ms = client.request("GET", path)
    timings = []
    for _ in range(repeat):
        status, _body, ms = client.request("GET", path)
        timings.append(ms)
    return timings, status


def session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def worker_pids(master_pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(master_pid)], capture_output=True, text=True
    ).stdout
    return [int(p) for p in out.split()]


def peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def start_gunicorn(
    port: int, env: dict[str, str], workers: int = 2, threads: int = 1
) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def intake_throughput(port: int, token: str, seconds: float, threads: int) -> tuple[float, int]:
    """Complaints per second registered through POST /api/v1/complaints/ by parallel clients."""
    created = [0]
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(n: int) -> None:
        client = Client(port, token=token)
        i = 0
        while time.perf_counter() < stop:
            i += 1
            body = json.dumps(
                {
                    "channel": "phone",
                    "description": f"基准测试投诉 {n}-{i}: double charge on my bill",
                    "complainant_name": "基准",
                    "complainant_phone": f"139{n:02d}{i:06d}",  # a valid mainland mobile
                }
            ).encode()
            try:
                status, _b, _ms = client.request(
                    "POST", "/api/v1/complaints/", body, {"Content-Type": "application/json"}
                )
            except (http.client.HTTPException, OSError):
                status = 0
            with lock:
                if status == 201:
                    created[0] += 1
                else:
                    errors[0] += 1

    started = time.perf_counter()
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return created[0] / (time.perf_counter() - started), errors[0]


def main() -> int:
    parser = argparse.ArgumentParser(description="Seed and measure Redress.")
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--intake-seconds", type=float, default=10.0)
    parser.add_argument(
        "--breaching", type=int, default=1000, help="complaints missing a deadline for the sweep"
    )
    parser.add_argument("--output", type=Path, default=None)
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database (make bench does).", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DEBUG"] = "false"
    os.environ.setdefault("SECRET_KEY", "benchmark-only-" + "x" * 40)
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["ALLOWED_HOSTS"] = "127.0.0.1"
    static_root = tempfile.mkdtemp(prefix="redress-static-")
    os.environ["STATIC_ROOT"] = static_root
    os.environ["AXES_ENABLED"] = "false"
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from complaints.models import Complaint
    from tests.bench.reports_seed import seed

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    print(f"Seeding {args.complaints:,} complaints...")
    started = time.perf_counter()
    org = seed(args.complaints, notes=True)
    from tests.bench.actions import seed_actions

    links = seed_actions(org, count=max(200, args.complaints // 500))
    print(f"  corrective actions linked to {links:,} complaints")
    seed_seconds = time.perf_counter() - started
    connection.close()

    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    User = get_user_model()
    dept_id = org.department_ids[0]  # agents and managers are listed in department order
    personas = {
        "frontline": User.objects.get(pk=org.agent_ids[0]),
        "manager": User.objects.get(pk=org.manager_ids[0]),
        "gm": User.objects.get(pk=org.gm_id),
        "auditor": User.objects.get(pk=org.auditor_id),
    }
    cookies = {name: session_cookie(user) for name, user in personas.items()}
    token = Token.objects.get_or_create(user=personas["gm"])[0].key
    recent = Complaint.objects.order_by("-received_at").values_list("reference", flat=True)[500]
    from datetime import timedelta

    from django.utils import timezone

    prev = timezone.localtime().replace(day=1) - timedelta(days=1)  # last finished month
    # A running system has issued each past month's report at its month end (the task
    # "issue_month_end_reports"); the report of a month reads its comparisons from them.
    from reporting import services as reporting_services
    from reporting.months import Month

    started = time.perf_counter()
    for month in [Month.of(prev).shift(-i) for i in range(12, -1, -1)]:
        reporting_services.issue_snapshots(month)
    issue_seconds = time.perf_counter() - started
    print(f"Issued the month-end reports of the last 13 months in {issue_seconds:.0f} s")
    connection.close()

    port = free_port()
    env = {**os.environ}
    server = start_gunicorn(port, env, workers=args.workers)
    results: list[Result] = []
    try:
        gm = Client(port, cookie=cookies["gm"])
        manager = Client(port, cookie=cookies["manager"])
        frontline = Client(port, cookie=cookies["frontline"])
        api = Client(port, token=token)
        pages = [
            ("Staff list, default", gm, "/complaints/", 150),
            ("Staff list, department filter", gm, f"/complaints/?department={dept_id}", 150),
            (
                "Staff list, text search (Chinese)",
                gm,
                "/complaints/?" + urlencode({"q": "重复扣"}),
                300,
            ),
            ("Staff list, text search (name)", gm, "/complaints/?" + urlencode({"q": "王伟"}), 300),
            ("Complaint page", gm, f"/complaints/{recent}/", 60),
            ("Dashboard, frontline", frontline, "/", 150),
            ("Dashboard, department manager", manager, "/", 150),
            ("Dashboard, general manager", gm, "/", 150),
            ("Dashboard, auditor", Client(port, cookie=cookies["auditor"]), "/", 150),
            ("API list", api, "/api/v1/complaints/", 150),
            ("API detail", api, f"/api/v1/complaints/{recent}/", 60),
            ("Audit log page", Client(port, cookie=cookies["auditor"]), "/audit/", 150),
            # The work queues (#15): each a condition on the visible complaints, keyset-paged.
            ("Queue: overdue, department manager", manager, "/complaints/?queue=overdue", 150),
            ("Queue: due today, department manager", manager, "/complaints/?queue=due_today", 150),
            ("Queue: approvals, department manager", manager, "/complaints/?queue=approvals", 150),
            ("Queue: unassigned, frontline", frontline, "/complaints/?queue=unassigned", 150),
            ("Queue: overdue, general manager", gm, "/complaints/?queue=overdue", 150),
            # Accountability (#16): the table by unit and person, the findings and contests pages.
            (
                "Accountability table, month, general manager",
                gm,
                f"/reports/accountability/?period={prev.year}-{prev.month:02d}",
                500,
            ),
            (
                "Accountability table, year, department manager",
                manager,
                f"/reports/accountability/?period={prev.year}",
                1000,
            ),
            ("Findings about me, frontline", frontline, "/accountability/mine/", 150),
            ("Contests to decide, department manager", manager, "/accountability/contests/", 150),
            # Recurring causes (#16): GROUP BY cause over the last 90 days, not cached.
            ("Recurring causes, general manager", gm, "/reports/recurring-causes/", 1000),
            ("Recurring causes, department manager", manager, "/reports/recurring-causes/", 600),
            # Corrective actions (#16): the list by due date, and one action's page.
            ("Corrective actions, general manager", gm, "/improvement/actions/", 150),
            ("Corrective actions, department manager", manager, "/improvement/actions/", 150),
            (
                "Corrective actions, open and overdue, general manager",
                gm,
                "/improvement/actions/?overdue=true",
                150,
            ),
            # The quarter of the last finished month (#16): cold on the first of its requests.
            (
                "Quarterly report, general manager",
                gm,
                f"/reports/quarterly/{prev.year}/Q{(prev.month - 1) // 3 + 1}/",
                300,
            ),
        ]
        for name, client, path, target in pages:
            timings, status = timed(client, path, args.repeat)
            note = "" if status == 200 else f"HTTP {status}"
            results.append(Result(name, f"p95 ≤ {target} ms", timings, note))
            print(f"  {name}: p95 {results[-1].p95:.1f} ms {note}")

        # Monthly report: the first request of a finished month computes it (cold), later
        # requests read the cache.
        from django.core.cache import cache

        cache.clear()
        report = f"/reports/monthly/{prev.year}/{prev.month:02d}/"
        status, _b, cold_ms = gm.request("GET", report)
        results.append(
            Result(
                "Monthly report, cold",
                "≤ 1000 ms",
                [cold_ms],
                "" if status == 200 else f"HTTP {status}",
            )
        )
        timings, status = timed(gm, report, args.repeat, warm=0)
        results.append(
            Result(
                "Monthly report, cached",
                "≤ 50 ms",
                timings,
                "" if status == 200 else f"HTTP {status}",
            )
        )

        rate, errors = intake_throughput(port, token, args.intake_seconds, threads=8)
        results.append(
            Result(
                "Intake through the API",
                "≥ 200 complaints/s",
                [],
                f"{rate:.0f} complaints/s, {errors} errors",
            )
        )
        peaks = [peak_rss_mb(pid) for pid in worker_pids(server.pid)]
        results.append(
            Result("Peak worker memory", "≤ 300 MB", [], f"{max(peaks):.0f} MB" if peaks else "?")
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # The navigation's queue counts are cached for REDRESS_QUEUE_COUNT_SECONDS; the pages above
    # mostly read them from the cache. A server with the cache off counts on every request: the
    # price of the capped, indexed counts themselves (six queues, at most 100 rows each).
    port = free_port()
    server = start_gunicorn(port, {**env, "REDRESS_QUEUE_COUNT_SECONDS": "0"}, workers=args.workers)
    try:
        for name, persona, path in (
            ("Dashboard, department manager, counts uncached", "manager", "/"),
            ("Dashboard, general manager, counts uncached", "gm", "/"),
            ("Staff list, frontline, counts uncached", "frontline", "/complaints/"),
        ):
            timings, status = timed(Client(port, cookie=cookies[persona]), path, args.repeat)
            note = "" if status == 200 else f"HTTP {status}"
            results.append(Result(name, "p95 ≤ 150 ms", timings, note))
            print(f"  {name}: p95 {results[-1].p95:.1f} ms {note}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    # The SLA sweep, in process (the same function the schedule calls). A sweep a minute
    # earlier has warned whatever falls due within the warning window; then 1,000 complaints
    # miss their resolution deadline, the sweep escalates them, and a second sweep finds
    # nothing left to do.
    from escalation.sweep import sweep
    from tests.bench.reports_seed import breach

    settled = sweep()
    breaching = breach(args.breaching)
    for name in (f"SLA sweep, {breaching:,} missed deadlines", "SLA sweep, run again"):
        started = time.perf_counter()
        outcome = sweep()
        sweep_ms = (time.perf_counter() - started) * 1000
        results.append(Result(name, "≤ 2000 ms", [sweep_ms], outcome.summary()))
        print(f"  {name}: {sweep_ms:.0f} ms ({outcome.summary()})")
    print(f"  (the sweep before: {settled.summary()})")

    lines = [
        f"# Redress benchmark: {args.complaints:,} complaints",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}, "
        f"PostgreSQL {connection.cursor().connection.info.server_version}; "
        f"gunicorn {args.workers} workers; {args.repeat} timed requests per page after 2 warm-up; "
        f"seeded in {seed_seconds:.0f} s; the month-end reports of the last 13 months issued "
        f"(as the month-end task does) in {issue_seconds:.0f} s.",
        "",
        "| measurement | median ms | p95 ms | target | note |",
        "|---|---:|---:|---|---|",
    ]
    for r in results:
        med = f"{r.median:.1f}" if r.timings_ms else ""
        p95 = f"{r.p95:.1f}" if r.timings_ms else ""
        lines.append(f"| {r.name} | {med} | {p95} | {r.target} | {r.note} |")
    table = "\n".join(lines)
    print()
    print(table)
    output = args.output or ROOT / "bench-results" / f"{args.complaints}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(table + "\n", encoding="utf-8")
    print(f"\nWritten to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
