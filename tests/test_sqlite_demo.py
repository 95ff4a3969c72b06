"""The newcomer's demo on SQLite: migrate, seed, and every main page answers without a server
error for each demo login.

The rest of the suite runs on PostgreSQL; this is the one run on the embedded database that
`make run` uses, because a query SQLite refuses (a UNION whose parts kept an ORDER BY, in the
approvals queue) once shipped as a 500 on the demo only. Other processes keep the real clock,
so it asserts only "no 5xx", never what a page shows (seed_demo's data is relative to now).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parent.parent
# Enough for every queue, state and report section to have rows, small enough to seed in ~10 s.
DEMO_COMPLAINTS = 40


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and scripts, no shell
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_the_sqlite_demo_answers_every_main_page_for_every_demo_user(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.pop("DATABASE_REPLICA_URL", None)  # the replica must use the same engine
    migrated = run(["manage.py", "migrate", "--noinput", "-v0"], env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run(["manage.py", "seed_demo", "--complaints", str(DEMO_COMPLAINTS)], env)
    assert seeded.returncode == 0, seeded.stderr
    assert (tmp_path / "db.sqlite3").exists()  # not PostgreSQL by mistake

    smoke = run(["scripts/smoke_pages.py"], env)

    failed = [line for line in smoke.stdout.splitlines() if line.startswith("FAIL")]
    assert smoke.returncode == 0, "\n".join(failed) + "\n" + smoke.stdout[-6000:] + smoke.stderr
    visited = [line for line in smoke.stdout.splitlines() if line.startswith("ok")]
    for user in ("frontline", "manager", "gm", "auditor"):
        pages = [line for line in visited if f" {user} " in line]
        assert any("/complaints/?queue=approvals" in line for line in pages), user
        assert any("/history/" in line for line in pages), user
        assert any("/complaints/export/xlsx/" in line for line in pages), user
