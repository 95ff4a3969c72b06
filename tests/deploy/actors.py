"""Steps the deployment tests run in fresh worker processes, configured only by the
environment as a real deployment is (DATABASE_URL, DATABASE_REPLICA_URL, MEDIA_STORAGE...).

    python -m tests.deploy.actors <step> [args]

Each step prints one JSON line as its answer. Steps call the product's own services, never
write rows behind their back.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import sys
import time


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _answer(payload: dict) -> None:
    sys.stdout.write(json.dumps(payload, default=str) + "\n")
    sys.stdout.flush()


def setup_org(args) -> dict:
    """A department (manager, two frontline agents), a general manager, a two-level category,
    and an API token for each person."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from complaints import services
    from complaints.models import Category, Department

    users = get_user_model()
    department, _ = Department.objects.get_or_create(
        code="service", defaults={"name": "Customer service"}
    )
    parent, _ = Category.objects.get_or_create(code="service-attitude", defaults={"name": "Staff"})
    leaf, _ = Category.objects.get_or_create(
        code="rude-staff", defaults={"name": "Rude staff", "parent": parent}
    )
    people = {}
    for username, tier, unit in [
        ("manager", "manager", department),
        ("frontline", "frontline", department),
        ("frontline2", "frontline", department),
        ("gm", "gm", None),
    ]:
        user, created = users.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.test"}
        )
        if created:
            services.set_staff_profile(user, tier=tier, department=unit)
        people[username] = user
    department.manager = people["manager"]
    department.save()
    return {
        "tokens": {name: Token.objects.get_or_create(user=u)[0].key for name, u in people.items()},
        "ids": {name: user.pk for name, user in people.items()},
        "department": department.pk,
        "category": leaf.pk,
    }


def seed_breached(args) -> dict:
    """``count`` complaints received ``days`` ago: every deadline of theirs is already missed."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from complaints import services

    frontline = get_user_model().objects.get(username="frontline")
    received = timezone.now() - dt.timedelta(days=args.days)
    references = [
        services.register(
            by=frontline,
            channel="phone",
            description=f"Breached {n}",
            complainant_name="Wang Fang",
            complainant_phone="139 0000 0000",
            received_at=received,
        ).reference
        for n in range(args.count)
    ]
    return {"references": references}


def schedule_sweep_now(args) -> dict:
    """``setup_schedules`` (idempotent), then make the SLA sweep due now, as the next minute
    would: the next scheduler pass of any cluster queues it."""
    from django.core.management import call_command
    from django.utils import timezone
    from django_q.models import Schedule

    call_command("setup_schedules", stdout=io.StringIO())
    updated = Schedule.objects.filter(func="escalation.tasks.sweep").update(
        next_run=timezone.now() - dt.timedelta(seconds=1)
    )
    return {"schedules": updated}


def enqueue_sweeps(args) -> dict:
    """``count`` sweeps queued at once, for the clusters' workers to run side by side."""
    from django_q.tasks import async_task

    return {"tasks": [async_task("escalation.tasks.sweep") for _ in range(args.count)]}


def census(args) -> dict:
    from tests.deploy.census import census as count

    return count()


def replica_probe(args) -> dict:
    """Write on the primary, then read back: plainly, inside replica_reads(), and inside
    replica_reads() within a transaction. With replay paused on the standby, only the
    replica_reads() read misses the new complaint."""
    from django.db import connections, transaction

    from complaints import services
    from complaints.db import read_alias, replica_reads
    from complaints.models import Complaint

    created = services.register(by=None, channel="web", description="Written on the primary")
    answer = {"written": created.reference, "aliases": {}}
    answer["primary_read"] = Complaint.objects.filter(pk=created.pk).exists()
    answer["aliases"]["plain"] = Complaint.objects.all().db
    with replica_reads():
        answer["replica_read"] = Complaint.objects.filter(pk=created.pk).exists()
        answer["aliases"]["replica_reads"] = Complaint.objects.all().db
        with connections[read_alias()].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery()")
            answer["raw_sql_in_recovery"] = cursor.fetchone()[0]
        with transaction.atomic():
            answer["in_transaction_read"] = Complaint.objects.filter(pk=created.pk).exists()
            answer["aliases"]["replica_reads_in_transaction"] = Complaint.objects.all().db
        # Results that are kept read the replica only once it has caught up.
        started = time.monotonic()
        with replica_reads(caught_up=True):
            answer["caught_up_read"] = Complaint.objects.filter(pk=created.pk).exists()
            answer["aliases"]["caught_up"] = Complaint.objects.all().db
        answer["caught_up_ms"] = round((time.monotonic() - started) * 1000)
        # A service called inside replica_reads() reads and writes the primary.
        second = services.register(by=None, channel="web", description="Also on the primary")
        answer["written_inside"] = second.reference
    answer["primary_sees_inside_write"] = Complaint.objects.filter(pk=second.pk).exists()
    return answer


def caught_up_loop(args) -> dict:
    """``count`` times: register a complaint, then read it back inside
    replica_reads(caught_up=True). Every read must find it, wherever it was served from."""
    from complaints import services
    from complaints.db import replica_reads
    from complaints.models import Complaint

    misses, served = 0, {}
    for n in range(args.count):
        created = services.register(by=None, channel="web", description=f"Read back {n}")
        with replica_reads(caught_up=True):
            alias = Complaint.objects.all().db
            misses += not Complaint.objects.filter(pk=created.pk).exists()
        served[alias] = served.get(alias, 0) + 1
    return {"misses": misses, "served": served}


def _queries_by_alias(run) -> tuple[object, dict[str, int]]:
    """Run ``run()`` counting the SQL statements each database alias executed."""
    from contextlib import ExitStack

    from django.db import connections

    counts: dict[str, int] = {}

    def counter(alias):
        def wrapper(execute, sql, params, many, context):
            counts[alias] = counts.get(alias, 0) + 1
            return execute(sql, params, many, context)

        return wrapper

    with ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(counter(alias)))
        result = run()
    return result, counts


def report_probe(args) -> dict:
    """The monthly report computed by the reporting app's own code inside replica_reads():
    which database answered its queries."""
    from django.contrib.auth import get_user_model

    from complaints.db import replica_reads
    from reporting import selectors
    from reporting.months import Month

    user = get_user_model().objects.get(username=args.user)
    scope = selectors.resolve_scope(user, None)

    def run():
        with replica_reads():
            return selectors.monthly_report(user, scope, Month.current(), live=True)

    _report, counts = _queries_by_alias(run)
    return {"queries": counts}


def s3_roundtrip(args) -> dict:
    """Keep an evidence file through complaints.services.add_attachment and read it back
    through the model, as the download views do."""
    from django.contrib.auth import get_user_model
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from complaints import services
    from complaints.models import Attachment

    frontline = get_user_model().objects.get(username=args.user)
    complaint = services.register(
        by=frontline, channel="phone", description="Receipt attached", complainant_name="Li Lei"
    )
    body = ("收据 receipt " * 2000).encode()
    attachment = services.add_attachment(
        complaint,
        by=frontline,
        file=ContentFile(body, name="收据.pdf"),
        original_name="收据.pdf",
        content_type="application/pdf",
        size=len(body),
    )
    stored = Attachment.objects.get(pk=attachment.pk)
    with stored.file.open("rb") as handle:
        read_back = handle.read()
    backend = type(default_storage._wrapped)
    return {
        "backend": f"{backend.__module__}.{backend.__name__}",
        "name": stored.file.name,
        "size": len(read_back),
        "sha256_written": hashlib.sha256(body).hexdigest(),
        "sha256_read": hashlib.sha256(read_back).hexdigest(),
        "reference": complaint.reference,
    }


STEPS = {
    "setup-org": setup_org,
    "seed-breached": seed_breached,
    "census": census,
    "schedule-sweep-now": schedule_sweep_now,
    "enqueue-sweeps": enqueue_sweeps,
    "replica-probe": replica_probe,
    "caught-up-loop": caught_up_loop,
    "report-probe": report_probe,
    "s3-roundtrip": s3_roundtrip,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.deploy.actors")
    parser.add_argument("step", choices=sorted(STEPS))
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--user", default="frontline")
    args = parser.parse_args(argv)
    _setup()
    _answer(STEPS[args.step](args))


if __name__ == "__main__":
    main()
