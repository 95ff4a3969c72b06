"""django-q2 with a Redis broker (Q_REDIS_URL): two clusters take their tasks from Redis while
the schedules stay in PostgreSQL; the SLA sweep still escalates each breach once."""

from __future__ import annotations

import redis

from tests.deploy import procs


def redis_commands(url: str) -> dict[str, int]:
    stats = redis.from_url(url).info("commandstats")
    return {name.removeprefix("cmdstat_"): value["calls"] for name, value in stats.items()}


def test_two_clusters_on_a_redis_broker_escalate_each_breach_once(
    fresh_database, app_env, redis_server, deploy_logs
):
    env = app_env(fresh_database, Q_REDIS_URL=redis_server, Q_WORKERS="2")
    procs.actor("setup-org", env=env)
    scheduled = procs.actor("seed-breached", "--count", "6", env=env)["references"]
    # Due before the clusters start: the first scheduler pass of either queues it in Redis.
    procs.actor("schedule-sweep-now", env=env)
    clusters = []
    try:
        for n in (1, 2):
            clusters.append(
                procs.start_qcluster(env=env, log_dir=deploy_logs, name=f"qcluster-redis-{n}")
            )
        census = wait_for_escalation(env, scheduled, clusters)

        queued = procs.actor("seed-breached", "--count", "6", env=env)["references"]
        procs.actor("enqueue-sweeps", "--count", "4", env=env)
        census = wait_for_escalation(env, queued, clusters)
        procs.wait_until(
            lambda: procs.actor("census", env=env)["tasks"]["escalation.tasks.sweep"]["ok"] >= 5,
            timeout=60,
            what="the four queued sweeps to finish",
        )
        census = procs.actor("census", env=env)
    finally:
        for cluster in clusters:
            cluster.stop()

    for reference in scheduled + queued:
        assert census["history"]["escalate"].get(reference) == 1, reference
        assert census["escalation_records"].get(reference) == 1, reference
    assert census["tasks"]["escalation.tasks.sweep"]["failed"] == 0
    # The tasks travelled through Redis: pushed by the scheduler and the enqueuing process,
    # popped by the clusters.
    commands = redis_commands(redis_server)
    assert commands.get("rpush", 0) >= 5, commands
    assert commands.get("blpop", 0) + commands.get("lpop", 0) >= 5, commands


def wait_for_escalation(env, references, clusters) -> dict:
    def escalated():
        census = procs.actor("census", env=env)
        return census if all(census["history"]["escalate"].get(r) for r in references) else None

    return procs.wait_until(
        escalated,
        timeout=100,
        interval=2,
        what=f"{len(references)} breached complaints to be escalated",
        on_fail=lambda: "\n".join(c.log_tail(30) for c in clusters),
    )
