"""Appeals against a refusal (不予受理复查).

A complainant whose complaint was refused (``rejected``) may ask for the refusal to be reviewed,
within ``REDRESS_REFUSAL_APPEAL_DAYS`` of the refusal (intake registers the appeal, staff or the
public tracking page). The appeal is a complaint of its own, linked by ``appeal_of``, started at
the department-manager tier, with its own clock (escalation's SLA policy for appeals against
refusals). A manager who did not refuse the original decides it in one step:

- upheld: the appeal is resolved (``substantiated`` False), the original stays rejected;
- overturned: the appeal is resolved (``substantiated`` True) and the original is accepted
  (``rejected`` → ``classified``), so its handling clock starts now.

The appeal then follows the ordinary lifecycle (follow-up, close); the complainant hears the
decision through the ordinary decision notice, and the acceptance notice when overturned.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from complaints import routing, rules
from complaints.locking import lock
from complaints.models import Complaint, Department
from complaints.services import (
    ActionForbidden,
    _announce_and_save,
    _check_version,
    _move,
    _route_to_handler,
)

# The appeal is against the refusal when its original was refused and not accepted before the
# appeal arrived (an original accepted on this appeal keeps the appeal a refusal appeal).
REFUSAL_APPEALS = Q(appeal_of__rejected_at__isnull=False) & (
    Q(appeal_of__classified_at__isnull=True) | Q(appeal_of__classified_at__gte=F("received_at"))
)


def is_refusal_appeal(complaint: Complaint) -> bool:
    return complaint.appeal_of_id is not None and rules.is_refusal_appeal(complaint)


def refuser_id(original: Complaint) -> int | None:
    """Who refused ``original``: the user of its latest "reject" history row (indexed by
    complaint id; a complaint has a handful of history rows)."""
    return (
        original.history.filter(history_transition="reject")
        .order_by("-history_date")
        .values_list("history_user_id", flat=True)
        .first()
    )


def may_decide(appeal: Complaint, user) -> bool:
    """Whether ``user`` may decide this appeal now (for pages showing the form)."""
    if not is_refusal_appeal(appeal) or appeal.state not in ("received", "classified", "assigned"):
        return False
    if not rules.may_decide_refusal_appeal(appeal, user):
        return False
    return refuser_id(appeal.appeal_of) != user.pk


def decide(
    appeal: Complaint,
    *,
    by,
    overturn: bool,
    explanation: str,
    category=None,
    priority: str = "",
    department: Department | None = None,
    expected_version: int | None = None,
) -> tuple[Complaint, Complaint]:
    """Decide an appeal against a refusal; returns ``(appeal, original)`` as saved.

    Preconditions: the appeal is open and against a refusal; ``by`` is a manager handling it (or
    the general manager), neither the person who refused the original nor the person complained
    about; when overturning, the original is still rejected and gets a category and department
    (the ones given, else its own, else the appeal's).
    Side effects: the appeal is resolved with ``explanation`` as its decision and ``by`` as its
    handler; when overturned the original is accepted and its deadlines start.
    History: one "decide_refusal_appeal" row on the appeal and, when overturned, one
    "accept_on_appeal" row on the original, both by ``by`` with ``explanation`` as the reason,
    plus an "assign" row when the original is routed to its department's complaint handler
    (``complaints.routing``, as at classification).
    """
    classification = {"category": category, "priority": priority, "department": department}
    with transaction.atomic():
        # The original first, then the appeal: the one order every writer of both uses.
        # (An unsaved stand-in carries the original's id: no query to fetch it before the lock.)
        original = lock(Complaint(pk=appeal.appeal_of_id))
        locked = lock(appeal)
        _check_version(locked, appeal.version if expected_version is None else expected_version)
        locked.appeal_of = original
        if by is not None and refuser_id(original) == by.pk:
            raise ActionForbidden(
                _("You refused %(reference)s yourself: another manager decides the appeal.")
                % {"reference": original.reference}
            )
        source = _move(
            locked,
            action="decide_refusal_appeal",
            by=by,
            changes={
                "substantiated": overturn,
                "resolution_summary": explanation,
                "decision_note": explanation,
                "assignee": by,
            },
        )
        if overturn:
            _accept(original, locked, by=by, reason=explanation, classification=classification)
            # Accepted like any classified complaint: to its department's handler first.
            handler = routing.handler_for(original)
            if handler is not None:
                original = _route_to_handler(original, by=by, handler=handler)
        _announce_and_save(
            locked, by=by, action="decide_refusal_appeal", reason=explanation, source=source
        )
    return locked, original


def _accept(original: Complaint, appeal: Complaint, *, by, reason: str, classification) -> None:
    """Accept the locked ``original`` (rejected → classified) with the classification given,
    else its own, else the appeal's; saved with one "accept_on_appeal" history row."""
    source = _move(
        original,
        action="accept_on_appeal",
        by=by,
        changes={
            "category": classification["category"] or original.category or appeal.category,
            "priority": classification["priority"] or original.priority,
            "department": classification["department"] or original.department or appeal.department,
        },
    )
    _announce_and_save(original, by=by, action="accept_on_appeal", reason=reason, source=source)
