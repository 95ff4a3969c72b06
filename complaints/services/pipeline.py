"""The one way a write to a complaint goes: lock, check, move, announce, save, announce.

``_perform`` runs one lifecycle action (the steps are in the package docstring); services that
change a complaint outside the state machine (``update_details``, ``change_priority``...) use its
parts: ``lock`` and ``_check_version``, then ``_announce_and_save``. The bulk services
(``escalate_many``, ``set_deadlines_many``) save through ``_save_many``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from complaints import actions
from complaints.locking import lock
from complaints.models import Complaint
from complaints.services.errors import ActionForbidden, StaleComplaint, TransitionRefused
from complaints.signals import complaint_changed, complaint_changing, history_bulk_created


def _check_version(locked: Complaint, expected: int) -> None:
    if locked.version != expected:
        raise StaleComplaint(
            _(
                "%(reference)s was changed by someone else since you opened it "
                "(your copy is version %(yours)s, it is now version %(now)s). "
                "Reload it and try again."
            )
            % {"reference": locked.reference, "yours": expected, "now": locked.version}
        )


def _save(
    complaint: Complaint,
    *,
    by,
    action: str,
    reason: str,
    update_fields: Sequence[str] | None = None,
) -> None:
    """Save with the acting user, the reason and the action on the history row.

    The lifecycle pipeline saves the whole row (``update_fields`` None), deliberately: the copy
    was read under the row lock in this same transaction, so every column it writes back is
    either the committed value or this action's change, and no other writer's change can be
    lost (they queue on the lock). Naming the columns there would mean the core knowing which
    derived columns the receivers of ``complaint_changing`` set (the escalation app's due
    times), which is theirs to decide. A service that knows every column it changes and
    sends no ``complaint_changing`` (``set_deadlines``) names them."""
    complaint._history_user = by
    complaint._change_reason = reason or ""
    complaint._history_transition = action
    try:
        complaint.save(update_fields=update_fields)
    except ConcurrentTransition as exc:  # the row lock makes this unreachable; kept as a net
        raise StaleComplaint(_("The complaint changed while you were saving it.")) from exc


def _perform(
    complaint: Complaint,
    *,
    action: str,
    by,
    reason: str = "",
    changes: dict[str, Any] | None = None,
    expected_version: int | None = None,
    check: Callable[[Complaint], None] | None = None,
    by_complainant: bool = False,
    context: Any = None,
) -> Complaint:
    """Run one lifecycle action; the steps are in the docstring of ``complaints.services``.
    ``context`` travels unread to the receivers of ``complaint_changing``/``complaint_changed``
    (the escalation app's record of why a complaint was escalated)."""
    with transaction.atomic():
        locked = lock(complaint)
        _check_version(locked, complaint.version if expected_version is None else expected_version)
        source = _move(
            locked,
            action=action,
            by=by,
            changes=changes,
            check=check,
            by_complainant=by_complainant,
        )
        _announce_and_save(
            locked, by=by, action=action, reason=reason, source=source, context=context
        )
    return locked


def _move(
    locked: Complaint,
    *,
    action: str,
    by,
    changes: dict[str, Any] | None = None,
    check: Callable[[Complaint], None] | None = None,
    by_complainant: bool = False,
    routed: bool = False,
) -> str:
    """Check and apply one lifecycle move to a locked copy (not saved); returns the state before.
    Raises TransitionRefused or ActionForbidden, leaving nothing written."""
    source = locked.state
    method = getattr(locked, action)
    fsm_transition = method._django_fsm.get_transition(source)
    if fsm_transition is None:
        raise TransitionRefused(
            _("A complaint that is %(state)s cannot be %(action)s.")
            % {
                "state": locked.get_state_display().lower(),
                "action": actions.TRANSITION_LABELS[action],
            }
        )
    # by=None is nobody on the staff: the SLA sweep escalating, or the complainant answering
    # the satisfaction survey (record_survey_answer, the only caller passing by_complainant).
    # No other action runs without a user whose permission was checked.
    system = by is None and (
        action in actions.SYSTEM_ACTIONS
        or (by_complainant and action in actions.COMPLAINANT_ACTIONS)
    )
    if not system and not routed and not fsm_transition.has_perm(locked, by):
        raise ActionForbidden(
            _("You may not mark %(reference)s as %(action)s.")
            % {"reference": locked.reference, "action": actions.TRANSITION_LABELS[action]}
        )
    for field, value in (changes or {}).items():
        setattr(locked, field, value)
    if check is not None:
        check(locked)
    for condition in fsm_transition.conditions:
        if not condition(locked):
            raise TransitionRefused(condition.message)
    method()
    locked.version += 1
    return source


def _announce_and_save(
    complaint: Complaint,
    *,
    by,
    action: str,
    reason: str,
    source,
    before_save: Callable[[Complaint], None] | None = None,
    context: Any = None,
) -> None:
    signal_kwargs = {
        "complaint": complaint,
        "action": action,
        "by": by,
        "reason": reason,
        "source": source,
        "target": complaint.state,
        "context": context,
    }
    complaint_changing.send(sender=Complaint, **signal_kwargs)
    if before_save is not None:
        before_save(complaint)
    _save(complaint, by=by, action=action, reason=reason)
    complaint_changed.send(sender=Complaint, **signal_kwargs)


_CONCRETE = [f for f in Complaint._meta.concrete_fields if not f.primary_key]


def _snapshot(complaint: Complaint) -> dict[str, Any]:
    """The column values of a locked complaint before a bulk service changes it, from which
    ``_save_many`` works out which columns to write."""
    return {f.attname: getattr(complaint, f.attname) for f in _CONCRETE}


def _update_rows(complaints: list[Complaint], fields: list) -> None:
    """Write ``fields`` of every complaint. On PostgreSQL one ``UPDATE ... FROM (VALUES ...)``
    per chunk (10,000 escalations at 100,000 complaints: 4.0 s of SQL as one UPDATE per row in
    an executemany pipeline, 2.6 s this way, most of it PostgreSQL updating the table's
    indexes); elsewhere one UPDATE per row (executemany)."""
    quote = connection.ops.quote_name
    table, pk = quote(Complaint._meta.db_table), quote(Complaint._meta.pk.column)
    rows = [
        [f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields] + [c.pk]
        for c in complaints
    ]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            # Names come from the model's own metadata; values are parameters.
            sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
                table, ", ".join(f"{quote(f.column)} = %s" for f in fields), pk
            )
            cursor.executemany(sql, rows)
            return
        # Every value cast to its column's type, so a NULL or a first row decides nothing.
        casts = [f"%s::{f.cast_db_type(connection)}" for f in fields]
        casts.append(f"%s::{Complaint._meta.pk.cast_db_type(connection)}")
        row_sql = "(" + ", ".join(casts) + ")"
        names = [f"c{i}" for i in range(len(fields))]
        per_statement = max(1, 30000 // len(casts))
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            sql = "UPDATE {t} SET {sets} FROM (VALUES {values}) AS v({names}, pk) WHERE {t}.{pk} = v.pk".format(  # noqa: E501, S608
                t=table,
                sets=", ".join(
                    f"{quote(f.column)} = v.{n}" for f, n in zip(fields, names, strict=True)
                ),
                values=", ".join([row_sql] * len(part)),
                names=", ".join(names),
                pk=pk,
            )
            cursor.execute(sql, [value for row in part for value in row])


def _save_many(
    complaints: list[Complaint],
    before: dict[int, dict[str, Any]],
    *,
    by,
    action: str,
    reasons: dict[int, str],
) -> None:
    """Save changed complaints (only the columns any of them changed) and their history rows
    with one INSERT. The caller holds their row locks."""
    now = timezone.now()
    changed = set()
    for complaint in complaints:
        complaint.updated_at = now  # auto_now is applied by save(), not by bulk_update()
        old = before[complaint.pk]
        changed.update(name for name, value in old.items() if getattr(complaint, name) != value)
        complaint._history_user = by
        complaint._change_reason = reasons[complaint.pk]
    fields = [f for f in _CONCRETE if f.attname in changed]
    # No column changed (a deadline check that moved nothing, in the same instant as the last
    # save): nothing to UPDATE, only the history rows below.
    if fields:
        _update_rows(complaints, fields)
    if connection.vendor == "postgresql":
        history = _copy_history_rows(complaints, by=by, action=action, when=now, reasons=reasons)
    else:
        history = Complaint.history.bulk_history_create(
            complaints,
            update=True,
            default_date=now,
            custom_historical_attrs={"history_transition": action},
        )
    history_bulk_created.send(sender=Complaint.history.model, history_instances=history)


def _copy_history_rows(complaints: list[Complaint], *, by, action: str, when, reasons) -> list:
    """The "~" history rows of the just-saved complaints, copied from their rows in the table
    by one ``INSERT ... SELECT`` per chunk (the columns simple-history tracks, with the user,
    reason, date and action): the row as saved, written without building and quoting a hundred
    values a row in Python. 10,000 escalations: ≈3 s through ``bulk_history_create``.
    Returns the history rows (their ids only, which is what the seal reads)."""
    history_model = Complaint.history.model
    quote = connection.ops.quote_name
    tracked = [f.name for f in history_model.tracked_fields]
    target = [history_model._meta.get_field(name).column for name in tracked]
    source = [Complaint._meta.get_field(name).column for name in tracked]
    pk = quote(Complaint._meta.pk.column)
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(complaints), 5000):
            part = complaints[start : start + 5000]
            # Names come from the models' own metadata; values are parameters.
            sql = (  # noqa: S608
                "INSERT INTO {hist} ({target}, history_date, history_user_id, "
                "history_change_reason, history_type, history_transition) "
                "SELECT {source}, %s, %s, v.reason, '~', %s FROM {table} AS t "
                "JOIN (VALUES {values}) AS v(pk, reason, ord) ON t.{pk} = v.pk "
                "ORDER BY v.ord RETURNING history_id"
            ).format(
                hist=quote(history_model._meta.db_table),
                target=", ".join(quote(c) for c in target),
                source=", ".join(f"t.{quote(c)}" for c in source),
                table=quote(Complaint._meta.db_table),
                values=", ".join(["(%s::bigint, %s::text, %s::integer)"] * len(part)),
                pk=pk,
            )
            params: list[Any] = [when, getattr(by, "pk", None), action]
            for order, complaint in enumerate(part):
                params += [complaint.pk, str(reasons[complaint.pk] or ""), order]
            cursor.execute(sql, params)
            ids += [row[0] for row in cursor.fetchall()]
    return [history_model.from_db(None, ["history_id"], [pk_]) for pk_ in sorted(ids)]
