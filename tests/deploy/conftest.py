"""Fixtures of the deployment tests: real processes on 127.0.0.1, stopped when the test ends.

- ``pg_server`` / ``pg_standby``: a throwaway PostgreSQL primary with a migrated template
  database, and its streaming standby; ``fresh_database`` copies the template for one test;
- ``own_cluster``: a server the test may stop and start (a pg_basebackup copy);
- ``live_database_url``: the pytest-django test database, for tests marked transactional,
  so app processes and the test see the same rows;
- ``spawn``: starts a process and stops it (by its own id) at teardown;
- ``redis_server``, ``s3_server``: the Redis broker and an S3-compatible store (moto).
"""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path

import pytest
from django.db import connection

from tests.deploy import procs
from tests.deploy.postgres import Cluster


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.deploy)


@pytest.fixture(scope="session")
def deploy_logs(tmp_path_factory) -> Path:
    """Every process's output, kept after the run for a failure's post-mortem."""
    return tmp_path_factory.mktemp("deploy-logs")


@pytest.fixture
def spawn(deploy_logs, request):
    """``spawn(name, argv, env=...)`` → a running ``procs.Proc``, stopped at teardown. On a
    failure the tail of each log is printed."""
    started: list[procs.Proc] = []

    def start(name: str, argv: list[str], *, env: dict[str, str]) -> procs.Proc:
        proc = procs.Proc(name, argv, env=env, log_dir=deploy_logs)
        started.append(proc)
        return proc

    start.started = started
    yield start
    for proc in reversed(started):
        proc.stop()
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        for proc in started:
            print(f"--- {proc.name} ({proc.log_path}) ---\n{proc.log_tail(80)}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


TEMPLATE = "redress_template"


@pytest.fixture(scope="session")
def pg_server():
    """One PostgreSQL server for the session, holding a database migrated by ``manage.py
    migrate`` (data migrations included) that tests copy with ``fresh_database``."""
    cluster = Cluster.create(name="primary")
    try:
        cluster.start()
        cluster.createdb(TEMPLATE)
        procs.manage("migrate", "--noinput", "-v0", env=procs.app_env(cluster.url(TEMPLATE)))
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def pg_standby(pg_server) -> Cluster:
    """A hot standby of ``pg_server`` streaming its WAL (stopped with it)."""
    standby = pg_server.standby()
    standby.start()
    standby.wait_until_replayed(pg_server)
    return standby


_databases = itertools.count(1)


def new_database(server: Cluster) -> str:
    """A new database on ``server``, a copy of the migrated template; its URL."""
    name = f"deploy_{next(_databases)}"
    server.sql(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return server.url(name)


@pytest.fixture
def fresh_database(pg_server) -> str:
    return new_database(pg_server)


@pytest.fixture
def own_cluster(pg_server):
    """A server of the test's own, which it may stop and start: a copy of ``pg_server`` made
    by pg_basebackup (without -R, so it is a primary), with the migrated template in it."""
    cluster = pg_server.clone(name=f"own_{next(_databases)}")
    try:
        cluster.start()
        cluster.sql(f'CREATE DATABASE "redress" TEMPLATE "{TEMPLATE}"')
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def live_database_url(transactional_db) -> str:
    """The URL of the pytest-django test database. Only for transactional tests: rows the test
    creates are committed, so the app processes see them."""
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings.get('PASSWORD') or ''}@{settings['HOST']}:"
        f"{settings['PORT']}/{settings['NAME']}"
    )


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """STATIC_ROOT for app processes with DEBUG off (the manifest storage needs collectstatic)."""
    root = tmp_path_factory.mktemp("static")
    procs.manage(
        "collectstatic",
        "--noinput",
        "-v0",
        env=procs.app_env("sqlite:///:memory:", STATIC_ROOT=str(root)),
    )
    return root


@pytest.fixture(scope="session")
def app_env(collected_static):
    """``app_env(database_url, **extra)``: the environment of one app process."""

    def build(database_url: str, **extra: str) -> dict[str, str]:
        return procs.app_env(database_url, STATIC_ROOT=str(collected_static), **extra)

    return build


@pytest.fixture
def redis_server(spawn) -> str:
    """A private redis-server on a free port; its URL."""
    binary = procs.require_binary("redis-server", "redis-server")
    port = procs._free_port()
    proc = spawn(
        "redis",
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        env={"PATH": "/usr/bin:/bin"},
    )
    procs.wait_until(
        lambda: procs.port_open(port),
        timeout=20,
        what="redis-server to listen",
        on_fail=proc.log_tail,
        while_alive=proc,
    )
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def s3_server(spawn) -> dict[str, str]:
    """moto's standalone S3-compatible server on a free port, with one private bucket; the
    AWS_* settings that point the app at it."""
    binary = procs.BIN / "moto_server"
    if not binary.exists():
        pytest.fail(
            "moto_server is missing: install the dev extras (make install-dev).",
            pytrace=False,
        )
    port = procs._free_port()
    proc = spawn(
        "moto-s3", [str(binary), "-H", "127.0.0.1", "-p", str(port)], env=procs.app_env("")
    )
    procs.wait_until(
        lambda: procs.port_open(port),
        timeout=30,
        what="moto_server to listen",
        on_fail=proc.log_tail,
        while_alive=proc,
    )
    settings = {
        "AWS_S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_STORAGE_BUCKET_NAME": f"redress-evidence-{secrets.token_hex(4)}",
        "AWS_ACCESS_KEY_ID": "redress-test",
        "AWS_SECRET_ACCESS_KEY": "redress-test-secret",
        "AWS_S3_REGION_NAME": "us-east-1",
        "AWS_S3_ADDRESSING_STYLE": "path",
    }
    s3_client(settings).create_bucket(Bucket=settings["AWS_STORAGE_BUCKET_NAME"])
    return settings


def s3_client(settings: dict[str, str]):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=settings["AWS_S3_ENDPOINT_URL"],
        aws_access_key_id=settings["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=settings["AWS_SECRET_ACCESS_KEY"],
        region_name=settings["AWS_S3_REGION_NAME"],
    )
