"""Several processes against one PostgreSQL, as a deployment beyond one machine runs:
gunicorn with two workers, two ``manage.py qcluster`` processes sharing the ORM broker and the
schedules. Concurrent intake (API and public form, several client threads, retries racing their
first attempt), concurrent transitions on the same complaints with the same expected version,
and the scheduled SLA sweep picked up by both clusters. Nothing may be lost or doubled."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.deploy import procs
from tests.deploy.census import numbers_of
from tests.deploy.conftest import new_database
from tests.deploy.http import REFERENCE, Api, Browser, hidden_inputs

CLIENT_THREADS = 8


class Deployment:
    def __init__(self, env, base, org, clusters, web):
        self.env = env
        self.base = base
        self.org = org
        self.clusters = clusters
        self.web = web

    def api(self, username: str) -> Api:
        return Api(self.base, self.org["tokens"][username])

    def census(self) -> dict:
        return procs.actor("census", env=self.env)


@pytest.fixture(scope="module")
def deployment(pg_server, app_env, deploy_logs):
    env = app_env(new_database(pg_server), Q_WORKERS="2")
    org = procs.actor("setup-org", env=env)
    procs.manage("setup_schedules", env=env)
    started = []
    try:
        web, base = procs.start_gunicorn(env=env, log_dir=deploy_logs, workers=2)
        started.append(web)
        for name in ("qcluster-a", "qcluster-b"):
            started.append(procs.start_qcluster(env=env, log_dir=deploy_logs, name=name))
        yield Deployment(env, base, org, started[1:], web)
    finally:
        for proc in reversed(started):
            proc.stop()


def in_parallel(jobs, *, threads: int = CLIENT_THREADS) -> list:
    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(lambda job: job(), jobs))


def register_by_api(deployment: Deployment, key: str):
    def job():
        return deployment.api("frontline").post(
            "/api/v1/complaints/",
            {
                "channel": "phone",
                "description": f"Counter staff were rude ({key})",
                "complainant_phone": "13800138000",
            },
            headers={"Idempotency-Key": key},
        )

    return job


def submit_public_form(deployment: Deployment, n: int, *, resubmit: bool):
    """A visitor fills in /submit/; with ``resubmit`` the form is sent twice at once (a
    double click), which must register one complaint."""

    def job():
        visitor = Browser(deployment.base)
        form = visitor.get("/submit/")
        assert form.status == 200, form.body[:500]
        fields = {
            **hidden_inputs(form.body),
            "description": f"The queue machine swallowed my ticket ({n})",
            "complainant_phone": "13900139000",
            "consent": "on",
            "website": "",
        }
        sends = [lambda: visitor.post_form("/submit/", fields)] * (2 if resubmit else 1)
        answers = in_parallel(sends, threads=2)
        return [REFERENCE.findall(answer.body.decode()) for answer in answers], answers

    return job


def test_concurrent_intake_registers_each_complaint_exactly_once(deployment):
    keys = [f"intake-{n}" for n in range(48)]
    # Every fourth client "times out" and retries while its first attempt is still running.
    jobs = [register_by_api(deployment, key) for key in keys]
    jobs += [register_by_api(deployment, key) for key in keys[::4]]
    jobs += [submit_public_form(deployment, n, resubmit=n % 3 == 0) for n in range(12)]

    answers = in_parallel(jobs)

    api_answers = answers[: len(keys) + len(keys[::4])]
    assert {a.status for a in api_answers} <= {200, 201}, [a.body[:300] for a in api_answers]
    by_key: dict[str, set[str]] = {}
    for key, answer in zip(keys + keys[::4], api_answers, strict=True):
        by_key.setdefault(key, set()).add(answer.json()["reference"])
    assert all(len(refs) == 1 for refs in by_key.values()), "a retry got another complaint"
    assert sum(a.status == 201 for a in api_answers) == len(keys)

    web_references = set()
    for references_seen, web_answers in answers[len(api_answers) :]:
        assert {a.status for a in web_answers} == {200}, [a.body[:300] for a in web_answers]
        seen = {ref for refs in references_seen for ref in refs}
        assert len(seen) == 1, "a double-clicked form showed two references"
        web_references |= seen

    census = deployment.census()
    ours = {ref for refs in by_key.values() for ref in refs} | web_references
    assert len(ours) == len(keys) + 12
    assert ours <= set(census["complaints"])
    registered = census["history"]["register"]
    assert {ref: registered.get(ref) for ref in ours} == dict.fromkeys(ours, 1)
    # References are unique and gapless under concurrent intake.
    (last,) = census["sequence"].values()
    assert numbers_of(census["complaints"]) == list(range(1, last + 1))


def race(deployment: Deployment, reference: str, action: str, contenders: list[tuple[str, dict]]):
    """Jobs that POST ``action`` on one complaint, each as its own user, released together."""
    barrier = threading.Barrier(len(contenders), timeout=30)

    def contender(username: str, payload: dict):
        def job():
            barrier.wait()
            answer = deployment.api(username).post(
                f"/api/v1/complaints/{reference}/{action}/", payload
            )
            return username, answer

        return job

    return [contender(username, payload) for username, payload in contenders]


def winner_of(pair) -> dict:
    """The one 200 answer of a race whose other contender got 409."""
    statuses = sorted(answer.status for _user, answer in pair)
    assert statuses == [200, 409], [answer.body[:300] for _user, answer in pair]
    (won,) = [answer.json() for _user, answer in pair if answer.status == 200]
    return won


def pairs(answers: list) -> list[tuple]:
    iterator = iter(answers)
    return list(zip(iterator, iterator, strict=True))


def test_two_clients_moving_the_same_complaint_at_once_record_one_move(deployment):
    org = deployment.org
    created = in_parallel([register_by_api(deployment, f"race-{n}") for n in range(24)])
    complaints = [(a.json()["reference"], a.json()["version"]) for a in created]

    # Classify: the frontline agent says "normal", the manager "urgent", same version.
    jobs = []
    for reference, version in complaints:
        jobs += race(
            deployment,
            reference,
            "classify",
            [
                (
                    username,
                    {
                        "category": org["category"],
                        "department": org["department"],
                        "priority": priority,
                        "expected_version": version,
                    },
                )
                for username, priority in [("frontline", "normal"), ("manager", "urgent")]
            ],
        )
    classified = [winner_of(pair) for pair in pairs(in_parallel(jobs))]

    # Assign: the manager gives it to "frontline" while the general manager gives it to
    # "frontline2", same version. (Both still see it afterwards, so the loser hears 409.)
    jobs = []
    for (reference, _), won in zip(complaints, classified, strict=True):
        jobs += race(
            deployment,
            reference,
            "assign",
            [
                (user, {"assignee": org["ids"][assignee], "expected_version": won["version"]})
                for user, assignee in [("manager", "frontline"), ("gm", "frontline2")]
            ],
        )
    assigned = [winner_of(pair) for pair in pairs(in_parallel(jobs))]

    census = deployment.census()
    for (reference, _), first, second in zip(complaints, classified, assigned, strict=True):
        row = census["complaints"][reference]
        assert census["history"]["classify"][reference] == 1
        assert census["history"]["assign"][reference] == 1
        # The database holds what the winners were told, nothing of the losers.
        assert (row["state"], row["version"]) == ("assigned", second["version"])
        assert row["assignee__username"] == second["assignee"]["username"]
        assert first["priority"] == second["priority"]


def escalated_once(census: dict, references: list[str]) -> dict[str, tuple]:
    """reference → (escalate history rows, escalation records, tier), for those escalated."""
    return {
        ref: (
            census["history"]["escalate"].get(ref, 0),
            census["escalation_records"].get(ref, 0),
            census["complaints"][ref]["tier"],
        )
        for ref in references
    }


def wait_for_escalations(deployment: Deployment, references: list[str], *, timeout: float):
    def all_escalated():
        census = deployment.census()
        done = all(census["history"]["escalate"].get(ref) for ref in references)
        return census if done else None

    return procs.wait_until(
        all_escalated,
        timeout=timeout,
        interval=2,
        what=f"the sweep to escalate {len(references)} breached complaints",
        on_fail=lambda: "\n".join(c.log_tail(30) for c in deployment.clusters),
    )


def processed_sweeps(cluster: procs.Proc) -> int:
    return cluster.log().count("Processed 'escalation.tasks.sweep'")


def test_scheduled_sweeps_in_both_clusters_escalate_each_breach_once(deployment):
    first, second = deployment.clusters
    breached = []
    # The scheduled sweep, once in each cluster: the other one is stalled meanwhile, so the
    # run must come from this cluster's own scheduler and workers.
    for running, stalled in [(first, second), (second, first)]:
        before = processed_sweeps(running)
        # Stalled before the breaches exist, so it cannot be half-way through one of them.
        with stalled.paused():
            batch = procs.actor("seed-breached", "--count", "8", env=deployment.env)["references"]
            breached += batch
            procs.actor("schedule-sweep-now", env=deployment.env)
            wait_for_escalations(deployment, batch, timeout=100)
            procs.wait_until(
                lambda running=running, before=before: processed_sweeps(running) > before,
                timeout=30,
                what=f"{running.name} to report its sweep",
            )
    # Then six sweeps at once, run side by side by the two clusters' four workers, while the
    # schedule goes on: each breach is still escalated once.
    batch = procs.actor("seed-breached", "--count", "8", env=deployment.env)["references"]
    breached += batch
    procs.actor("enqueue-sweeps", "--count", "6", env=deployment.env)
    procs.actor("schedule-sweep-now", env=deployment.env)
    wait_for_escalations(deployment, batch, timeout=60)
    procs.wait_until(
        lambda: deployment.census()["tasks"].get("escalation.tasks.sweep", {}).get("ok", 0) >= 9,
        timeout=90,
        what="the queued and scheduled sweeps to finish",
    )

    census = deployment.census()
    assert escalated_once(census, breached) == dict.fromkeys(breached, (1, 1, "manager"))
    assert census["tasks"]["escalation.tasks.sweep"]["failed"] == 0
