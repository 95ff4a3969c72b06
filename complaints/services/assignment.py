"""Who handles a complaint: assignment (分派), routing to the department's complaint handler at
classification, and escalation up the tiers, one by one or in bulk (the SLA sweep's path)."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.locking import lock, lock_all
from complaints.models import Complaint, Department, Tier
from complaints.services.errors import ActionForbidden, ServiceError, TransitionRefused
from complaints.services.pipeline import (
    _announce_and_save,
    _check_version,
    _move,
    _perform,
    _save_many,
    _snapshot,
)
from complaints.signals import complaint_changing, complaints_changed


def _route_to_handler(complaint: Complaint, *, by, handler) -> Complaint:
    # Part of the classification, so it needs no assign permission of ``by``; the handler was
    # checked by ``routing.handler_for`` and the transition's conditions check it again.
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("Routed to the department's complaint handler"))
    with transaction.atomic():
        locked = lock(complaint)
        source = _move(locked, action="assign", by=by, changes={"assignee": handler}, routed=True)
        _announce_and_save(locked, by=by, action="assign", reason=reason, source=source)
    return locked


def _assignee_tier_suffices(complaint: Complaint) -> None:
    # An escalated complaint is handled at its tier or above: a manager-tier case is not handed
    # back to frontline staff without a de-escalation decision.
    order = [Tier.FRONTLINE, Tier.MANAGER, Tier.GM]
    assignee_tier = rules.tier_of(complaint.assignee)
    if assignee_tier in order and order.index(assignee_tier) < order.index(complaint.tier):
        raise TransitionRefused(
            _("This complaint is at the %(tier)s tier; assign it to someone of that tier or above.")
            % {"tier": complaint.get_tier_display().lower()}
        )


def assign(
    complaint: Complaint,
    *,
    by,
    assignee,
    department: Department | None = None,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Assign (分派) or reassign a classified complaint to a handler.

    Preconditions: ``by`` handles it; the handler works in the complaint's department (or is a
    general manager), has the complaint's tier or above, and is not the person complained about.
    Moving the complaint to another department needs the ``assign_across_departments``
    permission (managers and the GM; never frontline). History: one "assign" row.
    """
    changes: dict[str, Any] = {"assignee": assignee}
    if department is not None and department.pk != complaint.department_id:
        if not rules._perm(by, "assign_across_departments"):
            raise ActionForbidden(_("You may not assign complaints to another department."))
        changes["department"] = department
    return _perform(
        complaint,
        action="assign",
        by=by,
        reason=reason,
        changes=changes,
        expected_version=expected_version,
        check=_assignee_tier_suffices,
    )


def escalate(
    complaint: Complaint,
    *,
    by,
    reason: str,
    expected_version: int | None = None,
    context: Any = None,
    check: Callable[[Complaint], None] | None = None,
) -> Complaint:
    """Move an open complaint up one tier: frontline → department manager → general manager.

    ``by`` is the handler escalating by hand (beyond my authority, needs another department,
    the complainant demands a manager), or None for the SLA sweep. Idempotent under the row
    lock: a second sweep sees the new tier and its own deadline. ``check`` runs on the locked
    row before the move and may refuse it (raise a ``ServiceError``); ``context`` (why: a
    reason code, the missed deadline) goes to the signals' receivers as ``context=``.
    History: one "escalate" row.
    """
    return _perform(
        complaint,
        action="escalate",
        by=by,
        reason=reason,
        expected_version=expected_version,
        context=context,
        check=check,
    )


@dataclasses.dataclass
class BulkOutcome:
    """What a bulk service did: the complaints it saved, and why it left the others out."""

    done: list[Complaint] = dataclasses.field(default_factory=list)
    refused: dict[int, str] = dataclasses.field(default_factory=dict)  # complaint id → message


def escalate_many(
    items: Sequence[tuple[Complaint, str] | tuple[Complaint, str, Any]],
    *,
    by=None,
    check: Callable[[Complaint, Any], None] | None = None,
) -> BulkOutcome:
    """Escalate many complaints in one transaction: the SLA sweep's path.

    ``items`` are (complaint as the caller read it, reason[, context]). Each complaint gets
    exactly what ``escalate`` gives it: the same checks under its row lock (version, state,
    tier, permission unless ``by`` is None, and ``check(locked row, its context)``, which may
    refuse it by raising a ``ServiceError``), ``complaint_changing`` for it,
    one "escalate" history row and its seal. A complaint another writer holds right now (its row
    is locked: skipped, not waited for), changed since the caller read it, or refused, is left
    out with its reason in ``refused``; the others are saved in one pipeline of UPDATEs and one
    history INSERT, and other apps are told with one ``complaints_changed``. A failure of the
    database rolls the whole batch back: no complaint is half escalated.
    """
    wanted = {item[0].pk: (item[0], item[1]) for item in items}
    contexts = {item[0].pk: (item[2] if len(item) > 2 else None) for item in items}
    outcome = BulkOutcome()
    if not wanted:
        return outcome
    with transaction.atomic():
        locked = lock_all(Complaint.objects.filter(pk__in=list(wanted)), skip_locked=True)
        for pk in wanted.keys() - {row.pk for row in locked}:
            outcome.refused[pk] = str(_("Another user is changing it right now."))
        sources: dict[int, str] = {}
        before: dict[int, dict[str, Any]] = {}
        for row in locked:
            seen, reason = wanted[row.pk]
            before[row.pk] = _snapshot(row)
            try:
                sources[row.pk] = _escalate_locked(
                    row, seen=seen, by=by, reason=reason, check=check, context=contexts[row.pk]
                )
            except ServiceError as exc:
                outcome.refused[row.pk] = str(exc.message)
                continue
            outcome.done.append(row)
        if outcome.done:
            reasons = {row.pk: wanted[row.pk][1] for row in outcome.done}
            _save_many(outcome.done, before, by=by, action="escalate", reasons=reasons)
            complaints_changed.send(
                sender=Complaint,
                complaints=outcome.done,
                action="escalate",
                by=by,
                reasons=reasons,
                sources=sources,
                contexts={row.pk: contexts[row.pk] for row in outcome.done},
            )
    return outcome


def _escalate_locked(
    row: Complaint,
    *,
    seen: Complaint,
    by,
    reason: str,
    check: Callable[[Complaint, Any], None] | None,
    context: Any,
) -> str:
    """One complaint of ``escalate_many``, under its row lock: checked and moved as
    ``escalate`` would, and announced with ``complaint_changing``, but not saved. Returns the
    state before; raises a ``ServiceError`` when refused."""
    _check_version(row, seen.version)
    source = _move(
        row,
        action="escalate",
        by=by,
        check=None if check is None else functools.partial(_checked, check, context),
    )
    complaint_changing.send(
        sender=Complaint,
        complaint=row,
        action="escalate",
        by=by,
        reason=reason,
        source=source,
        target=row.state,
        context=context,
    )
    return source


def _checked(check, context, locked: Complaint) -> None:
    check(locked, context)
