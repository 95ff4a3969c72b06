"""Starting and stopping the real processes of a deployment: gunicorn, qcluster, manage.py
commands, redis-server, the S3 server. Each runs in its own process group with its output in a
log file, and is stopped through its own id when the test ends."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def require_binary(name: str, package: str) -> str:
    """The path of ``name``; fails (never skips) with the Debian package to install."""
    from shutil import which

    found = which(name)
    if found is None:
        pytest.fail(
            f"{name} is needed by the deployment tests but is not installed. "
            f"Install it: apt-get install -y {package} (.ci/run must install it too).",
            pytrace=False,
        )
    return found


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of an app process in production shape: DEBUG off, the given database,
    mail swallowed, public form limits out of the way of a load test."""
    env = {
        key: value
        for key, value in os.environ.items()
        # The parent's pytest/Django state must not leak into the child.
        if not key.startswith(("PYTEST_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "DEBUG": "false",
            "SECRET_KEY": "deploy-test-secret-key-not-for-production-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "REDRESS_PUBLIC_SUBMIT_LIMIT": "100000",
            "REDRESS_PUBLIC_TRACK_LIMIT": "100000",
            "AXES_ENABLED": "false",
            "LOG_LEVEL": "INFO",
            # Process logs the tests read (django-q2 translates its own) stay in English.
            "LANGUAGE_CODE": "en",
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(extra)
    return env


class Proc:
    """One child process (and its children) in its own process group."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(  # noqa: S603 - fixed argv built by the tests
            argv,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def wait_for_log(self, text: str, *, timeout: float = 60) -> None:
        wait_until(
            lambda: text in self.log(),
            timeout=timeout,
            what=f"{self.name} to log {text!r}",
            on_fail=self.log_tail,
            while_alive=self,
        )

    @contextlib.contextmanager
    def paused(self):
        """SIGSTOP the whole process group for the block (a stalled machine), then SIGCONT."""
        os.killpg(self.popen.pid, signal.SIGSTOP)
        try:
            yield self
        finally:
            os.killpg(self.popen.pid, signal.SIGCONT)

    def stop(self, *, timeout: float = 20) -> int | None:
        """SIGTERM to the process (gunicorn's master and qcluster's sentinel stop their own
        children gracefully), SIGKILL to the whole group after ``timeout``."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children the leader left behind (a worker stuck on a dead socket).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self._log.close()
        return self.popen.returncode


def wait_until(
    condition: Callable[[], object],
    *,
    timeout: float,
    what: str,
    interval: float = 0.25,
    on_fail: Callable[[], str] | None = None,
    while_alive: Proc | None = None,
):
    """Poll ``condition`` until it returns something true; fail with ``what`` after
    ``timeout`` seconds (or at once when ``while_alive`` died)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if while_alive is not None and not while_alive.alive():
            detail = on_fail() if on_fail else ""
            raise AssertionError(f"{while_alive.name} exited while waiting for {what}\n{detail}")
        if time.monotonic() > deadline:
            detail = on_fail() if on_fail else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{detail}")
        time.sleep(interval)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> str:
    """Run ``manage.py`` to completion; its output, or a failure that shows it."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [PYTHON, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return result.stdout


def actor(command: str, *args: str, env: dict[str, str], timeout: float = 120) -> dict:
    """Run one step of ``tests.deploy.actors`` in a fresh worker process; its JSON answer."""
    result = subprocess.run(  # noqa: S603 - fixed argv
        [PYTHON, "-m", "tests.deploy.actors", command, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if result.returncode != 0 or not lines:
        raise AssertionError(
            f"actor {command} {args} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
        )
    return json.loads(lines[-1])


def start_gunicorn(
    *, env: dict[str, str], log_dir: Path, workers: int = 2, name: str = "gunicorn"
) -> tuple[Proc, str]:
    """gunicorn serving config.wsgi with ``workers`` worker processes; (process, base URL)."""
    port = _free_port()
    proc = Proc(
        name,
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--access-logfile",
            "-",
        ],
        env=env,
        log_dir=log_dir,
    )
    base = f"http://127.0.0.1:{port}"
    with _stopped_on_failure(proc):
        wait_until(
            lambda: _answers(f"{base}/api/v1/departments/"),
            timeout=60,
            what="gunicorn to answer",
            on_fail=proc.log_tail,
            while_alive=proc,
        )
        # Every worker booted, not only the first: count them in gunicorn's log.
        wait_until(
            lambda: proc.log().count("Booting worker with pid") >= workers,
            timeout=60,
            what=f"{workers} gunicorn workers",
            on_fail=proc.log_tail,
            while_alive=proc,
        )
    return proc, base


def start_qcluster(*, env: dict[str, str], log_dir: Path, name: str) -> Proc:
    proc = Proc(name, [PYTHON, str(ROOT / "manage.py"), "qcluster"], env=env, log_dir=log_dir)
    with _stopped_on_failure(proc):
        proc.wait_for_log("running.", timeout=60)
    return proc


@contextlib.contextmanager
def _stopped_on_failure(proc: Proc):
    """A process that never became ready is stopped before the failure propagates: the
    caller has no handle on it yet."""
    try:
        yield
    except BaseException:
        proc.stop(timeout=10)
        raise


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - 127.0.0.1 only
            return True
    except urllib.error.HTTPError:
        return True  # 401/403: the app is up
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
