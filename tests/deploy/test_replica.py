"""A PostgreSQL primary with a real streaming standby (pg_basebackup -R), and the router that
sends report reads — and only those — to it (DATABASE_REPLICA_URL)."""

from __future__ import annotations

import pytest

from tests.deploy import procs
from tests.deploy.postgres import Cluster


@pytest.fixture
def replicated(pg_server, pg_standby, fresh_database, app_env):
    """(primary, standby, database name, app environment with DATABASE_REPLICA_URL), the
    standby caught up; replay is resumed after the test whatever it did."""
    name = fresh_database.rsplit("/", 1)[1]
    env = app_env(fresh_database, DATABASE_REPLICA_URL=pg_standby.url(name))
    pg_standby.wait_until_replayed(pg_server)
    yield pg_server, pg_standby, name, env
    pg_standby.sql("SELECT pg_wal_replay_resume()")


def pause_replay(standby: Cluster) -> None:
    """Stop the standby replaying WAL: from now on it shows the primary as it was."""
    standby.sql("SELECT pg_wal_replay_pause()")
    procs.wait_until(
        lambda: standby.sql("SELECT pg_get_wal_replay_pause_state()")[0][0] == "paused",
        timeout=10,
        what="WAL replay to pause",
    )


def count(cluster: Cluster, database: str, table: str) -> int:
    return cluster.sql(f"SELECT count(*) FROM {table}", dbname=database)[0][0]  # noqa: S608


def test_the_standby_streams_what_the_primary_writes(replicated):
    primary, standby, database, env = replicated

    procs.actor("setup-org", env=env)
    standby.wait_until_replayed(primary)

    assert standby.sql("SELECT pg_is_in_recovery()")[0][0] is True
    assert count(standby, database, "complaints_department") == 1
    assert count(standby, database, "auth_user") == count(primary, database, "auth_user") == 4


def test_only_reads_wrapped_in_replica_reads_go_to_the_replica(replicated):
    primary, standby, database, env = replicated
    procs.actor("setup-org", env=env)
    standby.wait_until_replayed(primary)
    pause_replay(standby)

    probe = procs.actor("replica-probe", env={**env, "DATABASE_REPLICA_WAIT_MS": "300"})

    # The new complaint is on the primary; the paused replica has not seen it.
    assert probe["primary_read"] is True
    assert probe["replica_read"] is False
    assert probe["raw_sql_in_recovery"] is True
    assert probe["aliases"] == {
        "plain": "default",
        "replica_reads": "replica",
        # A transaction on the primary may hold writes the replica cannot see: stay there.
        "replica_reads_in_transaction": "default",
        # A result that will be kept waited for the paused replica, then read the primary.
        "caught_up": "default",
    }
    assert probe["in_transaction_read"] is True
    assert probe["caught_up_read"] is True
    assert probe["caught_up_ms"] >= 300
    # A service called inside replica_reads() still reads and writes the primary.
    assert probe["primary_sees_inside_write"] is True
    assert count(primary, database, "complaints_complaint") == 2
    assert count(standby, database, "complaints_complaint") == 0

    standby.sql("SELECT pg_wal_replay_resume()")
    standby.wait_until_replayed(primary)
    assert count(standby, database, "complaints_complaint") == 2


def test_a_replica_that_keeps_up_serves_reads_that_must_be_current(replicated):
    primary, standby, _database, env = replicated
    procs.actor("setup-org", env=env)

    # Replay usually catches up within the WAL writer's 200 ms; a loaded CI machine may take
    # longer, and the wait ends as soon as it has.
    probe = procs.actor("replica-probe", env={**env, "DATABASE_REPLICA_WAIT_MS": "15000"})

    assert probe["aliases"]["caught_up"] == "replica", probe
    assert probe["caught_up_read"] is True


def test_a_caught_up_read_always_sees_the_commit_before_it(replicated):
    # The primary runs with synchronous_commit off, as many do: a commit is visible before its
    # WAL is written, so "caught up" must mean the insert position, not the write position
    # (with the latter, half of these reads missed their own complaint).
    _primary, _standby, _database, env = replicated

    answer = procs.actor(
        "caught-up-loop", "--count", "25", env={**env, "DATABASE_REPLICA_WAIT_MS": "15000"}
    )

    assert answer == {"misses": 0, "served": {"replica": 25}}


def test_the_monthly_report_reads_the_replica_when_wrapped(replicated):
    primary, standby, _database, env = replicated
    procs.actor("setup-org", env=env)
    procs.actor("seed-breached", "--count", "3", "--days", "1", env=env)
    standby.wait_until_replayed(primary)

    answer = procs.actor("report-probe", "--user", "gm", env=env)

    assert answer["queries"].get("replica", 0) > 0, answer


def test_without_a_replica_wrapped_reads_stay_on_the_primary(fresh_database, app_env):
    env = app_env(fresh_database)
    procs.actor("setup-org", env=env)

    probe = procs.actor("replica-probe", env=env)

    assert probe["replica_read"] is True
    assert probe["raw_sql_in_recovery"] is False
    assert set(probe["aliases"].values()) == {"default"}
