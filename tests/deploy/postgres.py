"""Throwaway PostgreSQL clusters the deployment tests own: a primary they can stop and start,
and streaming standbys made with ``pg_basebackup -R``.

Same recipe as ``scripts/with-postgres``: the installed server binaries, a temporary folder, a
free 127.0.0.1 port, fsync off; as root the cluster belongs to the ``postgres`` user because
initdb and pg_ctl refuse to run as root.
"""

# ruff: noqa: S603 - every command is a PostgreSQL binary with arguments built here
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest

MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) were not found. "
    "Install them (Debian: apt-get install -y postgresql) or set REDRESS_PG_BIN."
)


def pg_bin() -> Path:
    """The folder of the server binaries; fails the test (never skips) when they are missing."""
    candidates = [os.environ.get("REDRESS_PG_BIN", "")]
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and all(
            (Path(folder) / name).is_file() for name in ("initdb", "pg_ctl", "pg_basebackup")
        ):
            return Path(folder)
    pytest.fail(MISSING, pytrace=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _owned_tempdir(prefix: str) -> Path:
    # Not under pytest's tmp_path: /tmp/pytest-of-root is private to root, and the server runs
    # as the postgres user.
    path = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres")
    return path


class Cluster:
    """One PostgreSQL server: ``start()``, ``stop()``, ``url()``, ``sql()``."""

    USER = "redress"

    def __init__(self, root: Path, *, name: str, port: int | None = None) -> None:
        self.bin = pg_bin()
        self.root = root
        self.name = name
        self.data = root / name
        self.port = port or free_port()
        self.log = root / f"{name}.log"

    # -- creation -------------------------------------------------------------------------------

    @classmethod
    def create(cls, *, name: str = "primary", root: Path | None = None) -> Cluster:
        cluster = cls(root or _owned_tempdir("redress-deploy-pg."), name=name)
        cluster._run(
            "initdb",
            "-D",
            str(cluster.data),
            "-U",
            cls.USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        return cluster

    def standby(self, *, name: str = "replica") -> Cluster:
        """A hot standby streaming from this (running) cluster: ``pg_basebackup -R`` writes
        ``standby.signal`` and ``primary_conninfo``."""
        standby = Cluster(self.root, name=name)
        standby._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.USER,
            "-D",
            str(standby.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )
        return standby

    def clone(self, *, name: str) -> Cluster:
        """An independent copy of this (running) cluster: a base backup without -R, so it
        starts as a primary of its own. Seconds, where initdb and migrate take longer."""
        copy = Cluster(self.root, name=name)
        copy._run(
            "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            self.USER,
            "-D",
            str(copy.data),
            "-X",
            "stream",
            "-c",
            "fast",
        )
        return copy

    # -- life -----------------------------------------------------------------------------------

    def start(self, *, timeout: int = 30) -> None:
        options = " ".join(
            [
                f"-p {self.port}",
                f"-k {self.root}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c max_connections=200",
                # Replay conflicts on the standby would cancel a long report; not what we test.
                "-c hot_standby_feedback=on",
            ]
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-w",
            "-t",
            str(timeout),
            "-o",
            options,
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session (open transactions roll back) and shuts down cleanly;
        ``immediate`` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        result = subprocess.run(
            [*_as_postgres(), str(self.bin / "pg_ctl"), "-D", str(self.data), "status"],
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0

    def destroy(self) -> None:
        """Stop (if running) and remove the whole folder, standbys included."""
        for data in self.root.iterdir():
            if (data / "PG_VERSION").exists():
                subprocess.run(
                    [*_as_postgres(), str(self.bin / "pg_ctl"), "-D", str(data)]
                    + ["-m", "immediate", "stop"],
                    capture_output=True,
                    check=False,
                )
        shutil.rmtree(self.root, ignore_errors=True)

    def remove(self) -> None:
        """Stop this server at once (if running) and delete its data folder."""
        subprocess.run(
            [*_as_postgres(), str(self.bin / "pg_ctl"), "-D", str(self.data)]
            + ["-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(self.data, ignore_errors=True)

    # -- use ------------------------------------------------------------------------------------

    def url(self, dbname: str = "redress") -> str:
        return f"postgres://{self.USER}@127.0.0.1:{self.port}/{dbname}"

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.USER,
            dbname=dbname,
            autocommit=True,
            connect_timeout=5,
            **kwargs,
        )

    def sql(self, query: str, params=None, *, dbname: str = "postgres") -> list[tuple]:
        with self.connect(dbname) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def createdb(self, dbname: str = "redress") -> None:
        self.sql(f'CREATE DATABASE "{dbname}"')

    def wait_until_replayed(self, primary: Cluster, *, timeout: float = 20) -> None:
        """Wait until this standby has replayed everything the primary has written so far."""
        (target,) = primary.sql("SELECT pg_current_wal_insert_lsn()::text")[0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            (done,) = self.sql(
                "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,), dbname="postgres"
            )[0]
            if done:
                return
            time.sleep(0.1)
        raise AssertionError(f"the standby did not replay up to {target} within {timeout} s")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def _run(self, program: str, *args: str) -> None:
        result = subprocess.run(
            [*_as_postgres(), str(self.bin / program), *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n"
                f"{self.log_tail()}"
            )
