"""The one way Redress tells what a history row changed: simple-history's ``diff_against``.

The complaint's timeline, its "changed since you opened it" notice, the API's history and the
audit log all show, for each history row, the fields that differ from the row before it of
the same record. They all call ``changes`` (or ``changed_fields``) here, so a field that one
surface counts as a change is a change on every surface.

Fields that never count as a change (the bookkeeping every save touches) are in
``NOT_A_CHANGE``; a caller may exclude more, or name the only fields it shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from simple_history.models import ModelChange

# Written by every save, or by history itself: a difference in them alone is no change.
NOT_A_CHANGE = frozenset({"version", "updated_at"})


def changes(
    row,
    previous,
    *,
    fields: Iterable[str] | None = None,
    excluded: Iterable[str] = (),
) -> list[ModelChange]:
    """What ``row`` (a history row) changed since ``previous`` (the row before it of the same
    record), in the model's field order: each with ``field``, ``old`` and ``new``. Nothing for
    the first row (``previous`` None). ``fields``: only these; ``excluded``: not these."""
    if previous is None:
        return []
    delta = row.diff_against(
        previous,
        excluded_fields=list(NOT_A_CHANGE.union(excluded)),
        included_fields=None if fields is None else list(fields),
    )
    order = {f.name: i for i, f in enumerate(row.instance_type._meta.fields)}
    return sorted(delta.changes, key=lambda change: order.get(change.field, len(order)))


def changed_fields(row, previous, **kwargs) -> list[str]:
    """The names of the fields ``changes`` finds."""
    return [change.field for change in changes(row, previous, **kwargs)]
