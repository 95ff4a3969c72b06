"""Faults: PostgreSQL goes away in the middle of a request and in the middle of an SLA sweep
(``pg_ctl stop -m fast`` on a server the test owns, which ends every session and rolls back
every open transaction), then comes back.

To stop it at a known point rather than by luck, the test holds a table lock that the writer
needs last: the request or sweep has already written the complaint and its history row in its
open transaction, and waits. The server goes down under it. Afterwards nothing of that half-done
work may exist, and the same work must succeed once, exactly once, when the server is back.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.deploy import procs
from tests.deploy.census import numbers_of
from tests.deploy.http import Api
from tests.deploy.postgres import Cluster

BLOCKED_WRITER = """
SELECT a.pid FROM pg_stat_activity a
WHERE a.datname = 'redress' AND a.wait_event_type = 'Lock' AND a.query ILIKE %(insert)s
  AND (SELECT count(DISTINCT c.relname) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
         AND c.relname = ANY(%(written)s)) = cardinality(%(written)s)
"""


class TableLock:
    """An open transaction holding ``LOCK TABLE ... IN EXCLUSIVE MODE``: others may read the
    table, nobody may write it until the transaction ends (or the server does)."""

    def __init__(self, cluster: Cluster, table: str) -> None:
        self.conn = cluster.connect("redress")
        self.conn.execute("BEGIN")
        self.conn.execute(f'LOCK TABLE "{table}" IN EXCLUSIVE MODE')

    def close(self) -> None:
        # The server may already have ended the session.
        with contextlib.suppress(Exception):
            self.conn.close()


def wait_for_blocked_writer(cluster: Cluster, *, inserting_into: str, written: list[str]) -> int:
    """The pid of a session that has written ``written`` in its open transaction and now
    waits to insert into ``inserting_into``."""

    def blocked():
        rows = cluster.sql(
            BLOCKED_WRITER,
            {"insert": f'INSERT INTO "{inserting_into}"%', "written": written},
            dbname="redress",
        )
        return rows[0][0] if rows else None

    return procs.wait_until(
        blocked,
        timeout=60,
        what=f"a writer blocked before inserting into {inserting_into}",
        on_fail=lambda: str(
            cluster.sql(
                "SELECT pid, state, wait_event_type, left(query, 120) FROM pg_stat_activity "
                "WHERE datname = 'redress'",
                dbname="redress",
            )
        ),
    )


@pytest.fixture
def faulty(own_cluster, app_env):
    """(server, app environment, org) on a server this test may stop and start."""
    env = app_env(own_cluster.url("redress"))
    org = procs.actor("setup-org", env=env)
    yield own_cluster, env, org
    if not own_cluster.running():
        own_cluster.start()


def register(api: Api, key: str):
    return api.post(
        "/api/v1/complaints/",
        {
            "channel": "phone",
            "description": f"Lost parcel ({key})",
            "complainant_phone": "13700137000",
        },
        headers={"Idempotency-Key": key},
    )


def test_the_database_going_away_mid_request_leaves_no_partial_complaint(
    faulty, deploy_logs, spawn
):
    cluster, env, org = faulty
    web, base = procs.start_gunicorn(env=env, log_dir=deploy_logs, workers=2)
    spawn.started.append(web)
    api = Api(base, org["tokens"]["frontline"])
    before = register(api, "before-the-outage")
    assert before.status == 201
    # Both workers hold a pooled connection (CONN_MAX_AGE) when the server goes away.
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert set(pool.map(lambda _: api.get("/api/v1/departments/").status, range(16))) == {200}

    lock = TableLock(cluster, "complaints_idempotencykey")
    answers = {}
    request = threading.Thread(target=lambda: answers.update(cut=register(api, "cut-off")))
    request.start()
    # The request has inserted the complaint, its history row and the next reference number,
    # and waits to record its idempotency key.
    wait_for_blocked_writer(
        cluster,
        inserting_into="complaints_idempotencykey",
        written=[
            "complaints_complaint",
            "complaints_historicalcomplaint",
            "complaints_referencesequence",
        ],
    )
    cluster.stop("fast")
    lock.close()
    request.join(60)
    assert not request.is_alive()
    assert answers["cut"].status >= 500

    cluster.start()
    # Every worker answers again at once: no stale pooled connection turns into a 500.
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: api.get("/api/v1/departments/").status, range(16)))
    assert set(statuses) == {200}, statuses
    retried = register(api, "cut-off")
    census = procs.actor("census", env=env)

    # The client's retry registers it now, as a new complaint: the cut-off attempt left
    # neither a complaint, nor a history row, nor a used reference number.
    assert retried.status == 201
    assert set(census["complaints"]) == {before.json()["reference"], retried.json()["reference"]}
    assert numbers_of(census["complaints"]) == [1, 2]
    assert census["history"]["register"] == dict.fromkeys(census["complaints"], 1)
    assert census["idempotency_keys"] == 2
    assert web.alive()


def test_the_database_going_away_mid_sweep_leaves_no_partial_escalation_and_the_sweep_resumes(
    faulty, deploy_logs, spawn
):
    cluster, env, _org = faulty
    breached = procs.actor("seed-breached", "--count", "6", env=env)["references"]
    procs.actor("schedule-sweep-now", env=env)
    lock = TableLock(cluster, "escalation_escalation")
    worker = procs.start_qcluster(env=env, log_dir=deploy_logs, name="qcluster-fault")
    spawn.started.append(worker)

    # The scheduled sweep has moved a complaint up a tier and written its history row, and
    # waits to write the escalation record.
    wait_for_blocked_writer(
        cluster,
        inserting_into="escalation_escalation",
        written=["complaints_complaint", "complaints_historicalcomplaint"],
    )
    cluster.stop("fast")
    lock.close()
    cluster.start()

    census = procs.actor("census", env=env)
    assert census["history"]["escalate"] == {}
    assert census["escalation_records"] == {}
    assert {census["complaints"][ref]["tier"] for ref in breached} == {"frontline"}

    # The cluster lived through the outage; its next scheduled sweep does the whole job.
    procs.actor("schedule-sweep-now", env=env)

    def all_escalated():
        census = procs.actor("census", env=env)
        return census if all(census["history"]["escalate"].get(r) for r in breached) else None

    census = procs.wait_until(
        all_escalated,
        timeout=120,
        interval=2,
        what="the sweep to resume after the outage",
        on_fail=worker.log_tail,
        while_alive=worker,
    )
    # An operator who runs the sweep by hand once more finds nothing left to escalate.
    by_hand = procs.manage("sweep_sla", env=env)
    assert "escalated C-" not in by_hand, by_hand
    census = procs.actor("census", env=env)
    for reference in breached:
        assert census["history"]["escalate"][reference] == 1
        assert census["escalation_records"][reference] == 1
        assert census["complaints"][reference]["tier"] == "manager"
