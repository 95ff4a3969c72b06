"""Run the suite at a chosen instant, to catch code and tests that mix up dates.

``pytest --clock=2027-01-01T00:30+08:00`` (or ``REDRESS_TEST_CLOCK``) starts the clock of the
test process at that instant and lets it tick, before Django is set up: every ``timezone.now()``,
``date.today()`` and simple-history ``history_date`` then comes from that moment, and tests that
freeze time themselves still do so inside it. The instants that find the bugs are the ones
where the UTC date is not the Asia/Shanghai date (16:00-24:00 UTC), and the ends of months and
years; ``.ci/run`` runs the date-sensitive tests at each of them (see ``CLOCKS`` there).

What the clock cannot move: other processes (gunicorn, qcluster, Chromium) and PostgreSQL's
own ``now()``. Runs with ``--clock`` therefore leave out the ``e2e``, ``deploy`` and
``real_clock`` tests, and product code takes its times from Python, never from the database
server.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
import time_machine


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock",
        default=os.environ.get("REDRESS_TEST_CLOCK") or None,
        help="start the test clock at this ISO 8601 instant with a UTC offset, ticking "
        "(e.g. 2027-01-01T00:30+08:00)",
    )


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--clock")
    if not value:
        return
    try:
        instant = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise pytest.UsageError(f"--clock {value!r} is not an ISO 8601 instant") from exc
    if instant.tzinfo is None:
        raise pytest.UsageError(f"--clock {value!r} needs a UTC offset, e.g. +08:00")
    traveller = time_machine.travel(instant, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)
    config.stash[CLOCK] = instant


CLOCK = pytest.StashKey[dt.datetime]()


def pytest_report_header(config: pytest.Config) -> str | None:
    instant = config.stash.get(CLOCK, None)
    if instant is None:
        return None
    utc = instant.astimezone(dt.UTC)
    return f"clock: started at {instant.isoformat()} ({utc:%Y-%m-%d %H:%M} UTC)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Other processes keep the real time: their tests are deselected on a moved clock."""
    if config.stash.get(CLOCK, None) is None:
        return
    moved, kept = [], []
    for item in items:
        other = any(item.get_closest_marker(name) for name in ("e2e", "deploy", "real_clock"))
        (moved if other else kept).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
        items[:] = kept
