"""The one way Redress tells what a history row changed: simple-history's ``diff_against``.

The complaint's timeline, its "changed since you opened it" notice, the API's history and the
audit log's history page all show, for each history row, the fields that differ from the row
before it of the same record. They all call ``changes`` (or ``changed_fields``) here, so a
field that one surface counts as a change is a change on every surface. (The audit chain's
seal compares the same columns in SQL-loaded values for speed; it takes what is not a change
from ``NOT_A_CHANGE`` here: see ``reporting.audit``.)

Fields that never count as a change (the bookkeeping every save touches) are in
``NOT_A_CHANGE``; a caller may exclude more, or name the only fields it shows.
"""

from __future__ import annotations

from collections.abc import Iterable

from simple_history.models import ModelChange

# Written by every save, or by history itself: a difference in them alone is no change.
NOT_A_CHANGE = frozenset({"version", "updated_at"})

_EMPTY = (None, "", False)


def changes(
    row,
    previous,
    *,
    fields: Iterable[str] | None = None,
    excluded: Iterable[str] = (),
    keep: Iterable[str] = (),
    initial: bool = False,
) -> list[ModelChange]:
    """What ``row`` (a history row) changed since ``previous`` (the row before it of the same
    record), in the model's field order, each with ``field`` (the field's name), ``old`` and
    ``new`` (raw values: a foreign key's id). ``fields``: only these; ``excluded``: not these;
    ``keep``: fields of ``NOT_A_CHANGE`` this surface lists all the same (the API shows the
    ``version`` that ``If-Match`` compares).

    The first row (``previous`` None) changed nothing, unless ``initial``: then its filled-in
    fields are changes from nothing (the audit log shows what a record was created with).
    """
    skip = NOT_A_CHANGE.difference(keep).union(excluded)
    wanted = None if fields is None else set(fields)
    tracked = [
        f for f in row.tracked_fields if f.name not in skip and (wanted is None or f.name in wanted)
    ]
    if previous is None:
        if not initial:
            return []
        return [
            ModelChange(f.name, None, f.value_from_object(row))
            for f in tracked
            if f.value_from_object(row) not in _EMPTY
        ]
    delta = row.diff_against(previous, included_fields=[f.name for f in tracked if f.editable])
    found = {change.field: change for change in delta.changes}
    # diff_against compares through model_to_dict, which leaves out fields that are not
    # editable (the reference, the tracking code): compared here by the same rule.
    for f in tracked:
        if not f.editable and f.value_from_object(row) != f.value_from_object(previous):
            found[f.name] = ModelChange(
                f.name, f.value_from_object(previous), f.value_from_object(row)
            )
    return [found[f.name] for f in tracked if f.name in found]


def changed_fields(row, previous, **kwargs) -> list[str]:
    """The names of the fields ``changes`` finds."""
    return [change.field for change in changes(row, previous, **kwargs)]
