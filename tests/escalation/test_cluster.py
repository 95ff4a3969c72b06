"""The real thing: ``manage.py qcluster`` (django-q2, ORM broker) on the PostgreSQL test database
runs the "sla-sweep" schedule, which escalates a complaint whose acceptance deadline passed, and
the queued notification task emails the department manager."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from complaints.models import Complaint, State
from escalation.models import Escalation, Notice

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 90  # the cluster's scheduler first looks at schedules ~30 s after it starts


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the cluster test needs PostgreSQL")
@pytest.mark.real_clock
@pytest.mark.django_db(transaction=True)
def test_the_scheduled_sweep_escalates_a_missed_deadline_in_a_running_cluster(
    shipped_defaults, make_complaint, manager
):
    complaint = make_complaint(State.RECEIVED, received_at=timezone.now() - dt.timedelta(hours=2))
    assert complaint.next_due_at < timezone.now()
    call_command("setup_schedules", stdout=StringIO())

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # Two workers: the other apps' schedules (month-end reports...) start at the same time.
        "Q_WORKERS": "2",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "ESCALATION_TASKS_SYNC": "false",
        "LANGUAGE_CODE": "en",
        "PYTHONUNBUFFERED": "1",
    }
    cluster = subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        give_up = time.monotonic() + WAIT_SECONDS
        notice = None
        while time.monotonic() < give_up and cluster.poll() is None:
            notice = Notice.objects.filter(
                complaint=complaint, kind="escalated", sent_at__isnull=False
            ).first()
            if notice is not None:
                break
            time.sleep(1)
    finally:
        os.killpg(cluster.pid, signal.SIGTERM)
        try:
            output, _ = cluster.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            output, _ = cluster.communicate()
    log = output.decode(errors="replace")

    assert notice is not None, f"no escalation seen within {WAIT_SECONDS}s:\n{log[-3000:]}"
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.tier == "manager"
    escalation = Escalation.objects.get(complaint=complaint)
    assert (escalation.cause, escalation.trigger, escalation.by) == (
        "deadline",
        "acceptance",
        None,
    )
    row = complaint.history.order_by("history_id").last()
    assert (row.history_transition, row.history_user) == ("escalate", None)
    # The console mail backend of the worker printed the email to the manager.
    assert f"To: {manager.email}" in log
    assert f"[{complaint.reference}] Escalated to Department manager: deadline missed" in log
