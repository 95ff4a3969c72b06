"""Benchmark the monthly report and the history page on a seeded PostgreSQL database.

    scripts/with-postgres .venv/bin/python -m tests.bench.reports
    scripts/with-postgres .venv/bin/python -m tests.bench.reports --complaints 100000
    scripts/with-postgres .venv/bin/python -m tests.bench.reports --proposed-indexes

A Django command class run by ``tests/bench/reports.py`` rather than installed as a management
command, so that production imports no benchmark code (issue #17).

``scripts/with-postgres`` starts a throwaway PostgreSQL cluster; the command refuses any other
database unless ``--i-know-this-database-is-disposable`` is given, and refuses a database that
already holds complaints. It migrates, seeds ``--complaints`` complaints over ``--months``
months with their lifecycle history (``tests.bench.reports_seed``), builds one complaint with 200
history rows through the services, and prints:

- the monthly report page of the last finished month, cold (no cached figures) and cached,
  for the whole organisation (general manager) and for the largest department (its manager),
  the frontline personal summary, and the running month;
- the SQL time of each query of the cold organisation report;
- the streamed CSV of the month's complaints;
- the regulator export (CSV of the month and of its quarter, the JSON's first page);
- the change-history page of the 200-record complaint.

Three rounds: from scratch (nothing issued or cached: every comparison month and the trend are
computed), then the steady state of a running system (every past month issued by the
month-end task, as the command does first), then, with ``--proposed-indexes``, the steady state
with the complaints indexes the report asks of the core (see README). ``--reuse`` measures a
database seeded by an earlier run again. Targets (issue 6): cold <= 1 s, cached <= 50 ms.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Category, Complaint
from reporting import period_services, selectors, workdays
from reporting import services as reporting_services
from reporting.models import (
    AuditRecord,
    MonthGeneration,
    MonthlySnapshot,
    PeriodSnapshot,
    ReportCache,
)
from reporting.months import Month, months_between
from reporting.periods import QUARTER, Period
from tests.bench import reports_seed as bench

# What the report's month windows need on complaints_complaint beyond the core's indexes
# (received_at, classified_at, resolved_at, closed_at are indexed there already).
NEWLINE = b"\n"

PROPOSED_INDEXES = [
    "CREATE INDEX cmp_first_response_at_idx ON complaints_complaint (first_response_at)",
    "CREATE INDEX cmp_followed_up_at_idx ON complaints_complaint (followed_up_at)",
    "CREATE INDEX cmp_rejected_at_idx ON complaints_complaint (rejected_at) "
    "WHERE rejected_at IS NOT NULL",
    "CREATE INDEX cmp_withdrawn_at_idx ON complaints_complaint (withdrawn_at) "
    "WHERE withdrawn_at IS NOT NULL",
]


def timed(action: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return (time.perf_counter() - started) * 1000, result


class Command(BaseCommand):
    help = "Seed a throwaway PostgreSQL database and time the monthly report and history page."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--complaints", type=int, default=1_000_000)
        parser.add_argument("--months", type=int, default=24)
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Seed only the history rows the report counts (escalations, reopenings, "
            "follow-ups): faster, smaller.",
        )
        parser.add_argument(
            "--proposed-indexes",
            action="store_true",
            help="Measure again after creating the complaints indexes proposed to the core.",
        )
        parser.add_argument("--i-know-this-database-is-disposable", action="store_true")
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="Measure a database this command seeded before, without seeding again.",
        )

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL: run it under scripts/with-postgres."
            )
        if not (os.environ.get("REDRESS_PG_DATA") or options["i_know_this_database_is_disposable"]):
            raise CommandError(
                "This does not look like scripts/with-postgres's throwaway database; "
                "pass --i-know-this-database-is-disposable to seed it anyway."
            )
        call_command("migrate", verbosity=0)
        say = self.stdout.write
        if Complaint.objects.exists():
            if not options["reuse"]:
                raise CommandError("The database already holds complaints; use an empty one.")
            org = bench.existing_organisation()
            big = Complaint.objects.get(
                pk=AuditRecord.objects.values("complaint_id")
                .annotate(n=Count("pk"))
                .order_by("-n")
                .values("complaint_id")[:1]
            )
            say(f"Measuring the {Complaint.objects.count():,} complaints already seeded.")
        else:
            say(f"Seeding {options['complaints']:,} complaints over {options['months']} months…")
            org = bench.seed(
                options["complaints"],
                months=options["months"],
                history=not options["no_history"],
                log=say,
            )
            big = self.history_complaint(org)
        workdays.ensure(*workdays.default_range())  # built once per deployment, then nightly
        # Start as shipped and with nothing issued (a --reuse run may have left both behind).
        MonthlySnapshot.objects.all().delete()
        PeriodSnapshot.objects.all().delete()
        with connection.cursor() as cursor:
            for sql in PROPOSED_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {sql.split()[2]}")
        self.report_round(org, big, "from scratch: nothing issued or cached yet")

        # What the month-end task has done in a running system: every past month issued.
        months = months_between(
            Month.of(Complaint.objects.order_by("received_at").first().received_at),
            Month.current().previous,
        )
        elapsed, _ = timed(lambda: [reporting_services.issue_snapshots(m) for m in months])
        say("")
        say(
            f"Issued {MonthlySnapshot.objects.count()} month-end reports ({len(months)} months, "
            f"the organisation and {len(org.department_ids)} departments) "
            f"in {elapsed / 1000:.0f} s"
        )
        elapsed, _ = timed(
            lambda: [period_services.issue_finished_periods(m) for m in months if m.month % 3 == 0]
        )
        say(
            f"Issued {PeriodSnapshot.objects.count()} quarter- and year-end reports "
            f"in {elapsed / 1000:.0f} s"
        )
        self.report_round(org, big, "steady state: every past month issued at its month end")
        if options["proposed_indexes"]:
            with connection.cursor() as cursor:
                for sql in PROPOSED_INDEXES:
                    cursor.execute(sql)
                cursor.execute("ANALYZE complaints_complaint")
            self.report_round(org, big, "steady state, with the proposed complaints indexes")

    # --- the 200-record complaint --------------------------------------------------------------

    def history_complaint(self, org: bench.Organisation) -> Complaint:
        User = get_user_model()
        agent = User.objects.get(pk=org.agent_ids[0])
        manager = User.objects.get(pk=org.manager_ids[0])
        started = time.perf_counter()
        c = services.register(
            by=agent,
            channel="phone",
            description="A long case",
            complainant_name="王芳",
            complainant_phone="13800138000",
        )
        c = services.classify(
            c,
            by=manager,
            category=Category.objects.get(pk=org.category_ids[0]),
            priority="normal",
            department=c.department,
        )
        c = services.assign(c, by=manager, assignee=agent)
        for i in range(197):
            if i % 3 == 0:
                services.log_communication(
                    c, by=agent, medium="call", direction="in", summary=f"Call {i}"
                )
            else:
                services.add_note(c, by=agent, body=f"Note {i}: checked the toll records")
        c = Complaint.objects.get(pk=c.pk)
        rows = AuditRecord.objects.filter(complaint=c).count()  # one sealed record per row
        self.stdout.write(
            f"  {c.reference}: {rows} history rows through the services in "
            f"{time.perf_counter() - started:.1f} s"
        )
        return c

    # --- one round of measurements -------------------------------------------------------------

    def report_round(self, org: bench.Organisation, big: Complaint, title: str) -> None:
        say = self.stdout.write
        User = get_user_model()
        month = Month.current().previous
        url = f"/reports/monthly/{month.year:04d}/{month.month:02d}/"
        gm = User.objects.get(pk=org.gm_id)
        largest = (
            Complaint.objects.filter(received_at__gte=month.start, received_at__lt=month.end)
            .values("department_id")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        manager = User.objects.get(
            staff_profile__department_id=largest["department_id"], staff_profile__tier="manager"
        )
        agent = User.objects.get(pk=org.agent_ids[0])
        auditor = User.objects.get(pk=org.auditor_id)
        received = Complaint.objects.filter(
            received_at__gte=month.start, received_at__lt=month.end
        ).count()
        say("")
        say(f"== {title}: report of {month} ({received:,} complaints received that month) ==")

        def page(user, address: str) -> Callable[[], object]:
            client = Client()
            client.force_login(user)

            def get():
                response = client.get(address)
                if response.status_code != 200:
                    raise CommandError(f"{address} answered {response.status_code}")
                return response

            return get

        def cold_and_cached(label: str, get) -> None:
            ReportCache.objects.all().delete()
            MonthGeneration.objects.all().delete()
            cold, _ = timed(get)
            cached = statistics.median(timed(get)[0] for _ in range(7))
            say(f"  {label:<44} cold {cold:7.0f} ms   cached {cached:6.1f} ms")

        cold_and_cached("organisation (general manager)", page(gm, url))
        cold_and_cached(f"largest department ({manager.username})", page(manager, url))
        cold_and_cached("personal summary (frontline)", page(agent, url))
        current = Month.current()
        cold_and_cached(
            "running month (organisation)",
            page(gm, f"/reports/monthly/{current.year:04d}/{current.month:02d}/"),
        )
        quarter = Period.containing(month, QUARTER)
        cold_and_cached(
            f"quarterly report {quarter} (organisation)",
            page(gm, f"/reports/quarterly/{quarter.year}/Q{quarter.quarter}/"),
        )
        cold_and_cached(
            f"annual report {month.year - 1} (organisation)",
            page(gm, f"/reports/annual/{month.year - 1}/"),
        )
        cold_and_cached(
            f"annual report {month.year}, running (organisation)",
            page(gm, f"/reports/annual/{month.year}/"),
        )
        api = page(gm, f"/api/v1/reports/monthly/{month}/")
        cold_and_cached("REST endpoint (organisation)", api)
        recurring = "/reports/recurring-causes/?days=365"
        cold_and_cached("recurring causes, 365 days (organisation)", page(gm, recurring))
        cold_and_cached(
            f"recurring causes, 365 days ({manager.username})", page(manager, recurring)
        )

        # Where the cold organisation report spends its SQL time.
        ReportCache.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            total, _ = timed(
                lambda: selectors.monthly_report(gm, selectors.Scope.organisation(), month)
            )
        sql = sorted(
            ((float(q["time"]) * 1000, q["sql"]) for q in queries.captured_queries),
            reverse=True,
        )
        say(
            f"  cold figures alone: {total:.0f} ms in {len(sql)} queries "
            f"({sum(t for t, _ in sql):.0f} ms of SQL); slowest:"
        )
        for ms, text in sql[:6]:
            say(f"    {ms:6.1f} ms  {' '.join(text.split())[:150]}")

        export = page(gm, url + "complaints.csv")
        elapsed, response = timed(lambda: b"".join(export().streaming_content))
        say(
            f"  complaint list CSV (streamed): {elapsed:.0f} ms, "
            f"{response.count(NEWLINE) - 1:,} rows, {len(response) / 1e6:.1f} MB"
        )

        self.regulator_round(gm, month)

        history = page(auditor, f"/complaints/{big.reference}/history/")
        first, _ = timed(history)
        again = statistics.median(timed(history)[0] for _ in range(5))
        say(
            f"  history page, {big.reference} (200 records): first {first:.0f} ms, "
            f"then {again:.0f} ms"
        )

    def regulator_round(self, gm, month: Month) -> None:
        """The regulator export (redress-regulator/1) of the month and of its quarter, streamed,
        and the first page of its JSON."""
        say = self.stdout.write
        client = Client()
        client.force_login(gm)
        quarter = f"{month.year:04d}-Q{(month.month - 1) // 3 + 1}"
        for period in (str(month), quarter):
            address = f"/reports/regulator/{period}/export.csv"
            elapsed, body = timed(
                lambda address=address: b"".join(client.get(address).streaming_content)
            )
            say(
                f"  regulator CSV {period} (streamed): {elapsed:.0f} ms, "
                f"{body.count(NEWLINE) - 1:,} rows, {len(body) / 1e6:.1f} MB"
            )
        elapsed, _ = timed(lambda: client.get(f"/api/v1/reports/regulator/{month}/"))
        say(f"  regulator JSON {month}, first page with figures: {elapsed:.0f} ms")
