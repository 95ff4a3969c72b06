"""The deployment settings refuse to start on a half-given configuration, saying what is
missing, instead of failing on the first upload or report."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.deploy import procs


def check(**env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv
        [procs.PYTHON, str(procs.ROOT / "manage.py"), "check"],
        cwd=procs.ROOT,
        env={**procs.app_env("sqlite:///:memory:"), "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_STORAGE": "s3"}, "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME"),
        ({"MEDIA_STORAGE": "nfs"}, "MEDIA_STORAGE must be filesystem or s3"),
        (
            {"DATABASE_REPLICA_URL": "postgres://redress@db-standby:5432/redress"},
            "DATABASE_REPLICA_URL must use the same engine as DATABASE_URL",
        ),
        ({"DB_CONN_HEALTH_CHECKS": "sometimes"}, "DB_CONN_HEALTH_CHECKS='sometimes'"),
    ],
)
def test_an_incomplete_deployment_setting_stops_the_start_with_a_clear_message(env, message):
    result = check(**env)

    assert result.returncode != 0
    assert message in result.stderr


def test_a_complete_s3_and_replica_configuration_starts():
    result = check(
        MEDIA_STORAGE="s3",
        AWS_STORAGE_BUCKET_NAME="redress-evidence",
        AWS_S3_ENDPOINT_URL="http://127.0.0.1:9",
        DATABASE_REPLICA_URL="sqlite:///:memory:",
        CACHE_REDIS_URL="redis://127.0.0.1:9/1",
    )

    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checklist_without_a_warning():
    """``manage.py check --deploy`` with what a production start sets (README): no warning
    about HTTPS, HSTS, cookies, the secret key or debug mode."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [procs.PYTHON, str(procs.ROOT / "manage.py"), "check", "--deploy", "--fail-level", "INFO"],
        cwd=procs.ROOT,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_"))},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": "sqlite:///:memory:",
            "DEBUG": "false",
            "SECRET_KEY": "a-production-secret-" + "k3y" * 20,
            "ALLOWED_HOSTS": "complaints.example.org",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
