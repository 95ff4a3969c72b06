"""The one way a service takes a row lock before it changes a row.

Every write that reads a row, decides, and writes it back (a lifecycle move, a decision on a
request, an outbox claim) re-reads the row here, inside its transaction, so that a concurrent
writer waits and then sees the committed result instead of overwriting it.

``no_key=True`` (PostgreSQL's ``FOR NO KEY UPDATE``, the default) still lets other transactions
insert rows that point at this one (a note, a history row's foreign key), which ``FOR UPDATE``
would block; ``SELECT ... FOR UPDATE`` is a no-op on SQLite, which serialises writers anyway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock(instance: M, *, no_key: bool = True, only: Iterable[str] = ()) -> M:
    """The current row of ``instance``, locked until the transaction ends (a fresh copy)."""
    rows = type(instance)._default_manager.select_for_update(no_key=no_key)
    if only:
        rows = rows.only(*only)
    return rows.get(pk=instance.pk)


def lock_all(queryset: models.QuerySet[M], *, skip_locked: bool = False) -> list[M]:
    """The rows of ``queryset`` locked in primary-key order (the same order in every writer,
    so two bulk writers cannot deadlock); with ``skip_locked``, rows another writer holds are
    left out rather than waited for."""
    return list(locked_rows(queryset, skip_locked=skip_locked))


def locked_rows(
    queryset: models.QuerySet[M], *, no_key: bool = True, skip_locked: bool = False
) -> models.QuerySet[M]:
    """``queryset`` made to lock what it reads, in primary-key order, still lazy: for a write
    that needs less than whole rows (``values_list``) or a locked ``get_or_create``."""
    return queryset.select_for_update(no_key=no_key, skip_locked=skip_locked).order_by("pk")
