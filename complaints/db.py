"""Which database a read goes to: the primary, or the read replica for reports.

Everything reads from and writes to the primary (``default``) unless the code says otherwise.
Report and export code that can live with a replica a few seconds behind wraps its reads::

    from complaints.db import replica_reads

    with replica_reads():
        rows = list(monthly_figures(month))

    @replica_reads()            # or on a whole view
    def monthly_report(request, month): ...

``config.routers.PrimaryReplicaRouter`` consults :func:`reading_from_replica`. When no
replica is configured (``DATABASE_REPLICA_URL`` unset: development, tests, one machine) the
wrapped reads simply stay on the primary, so wrapping is always safe.

Reads that must see their own writes stay on the primary even inside ``replica_reads()``: an
open transaction on the primary (``transaction.atomic()``) wins, because a replica cannot show
rows that are not committed yet, nor those it has not replayed.

The flag is a ``contextvars.ContextVar``, so it follows the code that set it: one request's
reports never move another thread's reads. A generator runs in the context of whoever iterates
it, so a streamed export (``StreamingHttpResponse``) must set the flag inside the generator:
:func:`replica_iter` does that.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"

_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "redress_replica_reads", default=False
)

T = TypeVar("T")


@contextmanager
def replica_reads(*, caught_up: bool = False) -> Iterator[None]:
    """Send the ORM reads made inside this block to the read replica, when there is one.

    ``caught_up=True`` is for results that will be kept (a cached finished month): on entry
    the replica must have replayed everything the primary has committed so far, waiting up to
    ``DATABASE_REPLICA_WAIT_MS``; if it has not, the block reads the primary instead. Without
    it the block accepts the replica's usual lag (seconds at most), as a page or an export may.
    """
    use = True
    if caught_up and replica_configured() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        use = replica_caught_up()
    token = _replica_reads.set(use)
    try:
        yield
    finally:
        _replica_reads.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Undo an enclosing ``replica_reads()`` for a read that must be current."""
    token = _replica_reads.set(False)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_iter(iterable: Iterable[T]) -> Iterator[T]:
    """Iterate ``iterable`` with replica reads on: for streamed exports, whose rows are read
    while the response is sent, after the view has returned."""
    with replica_reads():
        yield from iterable


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


def reading_from_replica() -> bool:
    """True when a read made now should go to the replica."""
    if not _replica_reads.get() or not replica_configured():
        return False
    # A transaction open on the primary may hold writes the replica cannot see yet.
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


def replica_caught_up(wait_ms: int | None = None) -> bool:
    """Whether the replica has replayed the primary's WAL up to its current position, waiting
    up to ``wait_ms`` (default ``DATABASE_REPLICA_WAIT_MS``) for it. Two tiny queries."""
    primary, replica = connections[DEFAULT_DB_ALIAS], connections[REPLICA_ALIAS]
    if primary.vendor != "postgresql" or replica.vendor != "postgresql":
        return False
    wait_ms = settings.DATABASE_REPLICA_WAIT_MS if wait_ms is None else wait_ms
    with primary.cursor() as cursor:
        # The insert position, not pg_current_wal_lsn() (the write position): with
        # synchronous_commit off a commit can be inserted and visible but not yet written.
        cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
        (position,) = cursor.fetchone()
    deadline = time.monotonic() + wait_ms / 1000
    with replica.cursor() as cursor:
        while True:
            # On a server that is not a standby (a test mirror) there is nothing to wait for.
            cursor.execute(
                "SELECT coalesce(pg_last_wal_replay_lsn() >= %s::pg_lsn, NOT pg_is_in_recovery())",
                [position],
            )
            if cursor.fetchone()[0]:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def read_alias() -> str:
    """The alias a read made now goes to (for raw SQL through ``connections[...]``)."""
    return REPLICA_ALIAS if reading_from_replica() else DEFAULT_DB_ALIAS
