"""The one vocabulary of what can happen to a complaint, next to the transition table.

Every history row of a complaint (and of its notes, communications, attachments and contests)
carries the name of the action that wrote it in ``history_transition``. This table is the only
place those names are given words: the lifecycle's refusals ("cannot be *classified*"), the
timeline, the audit log and its filter, exports and the API all read it. The lifecycle moves
themselves are the ``@transition`` methods of ``complaints.models.Complaint``; each of them has
a row here with the same name.

To add an action: add the ``@transition`` (or the service that writes the row), then one
``Action`` row below; the audit log's filter and every label follow.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Action:
    name: str
    title: Promise  # a heading: timeline, audit log, exports ("Classified")
    done: Promise | None = None  # in a sentence, for lifecycle moves ("cannot be classified")


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        Action("register", _("Registered")),
        Action("classify", _("Classified"), _("classified")),
        Action("reject", _("Rejected"), _("rejected")),
        Action("assign", _("Assigned"), _("assigned")),
        Action("resolve", _("Resolved"), _("resolved")),
        Action("follow_up", _("Follow-up recorded"), _("followed up")),
        Action("reopen", _("Reopened"), _("reopened")),
        Action("close", _("Closed"), _("closed")),
        Action("withdraw", _("Withdrawn / terminated"), _("withdrawn")),
        Action("escalate", _("Escalated"), _("escalated")),
        Action("approve_remedy", _("Remedy approved"), _("given a remedy approval")),
        Action(
            "decide_refusal_appeal",
            _("Appeal against the refusal decided"),
            _("decided on appeal"),
        ),
        Action(
            "accept_on_appeal",
            _("Accepted on appeal against the refusal"),
            _("accepted on appeal"),
        ),
        Action("priority", _("Priority changed")),
        Action("edit", _("Details corrected")),
        Action("link_repeat", _("Linked as a repeat complaint")),
        Action("overturn_responsibility", _("Responsibility finding overturned")),
        Action("contest_responsibility", _("Responsibility finding contested")),
        Action("decide_contest", _("Contest decided")),
        Action("first_response", _("First response to the complainant")),
        Action("note", _("Note added")),
        Action("communication", _("Communication logged")),
        Action("attachment", _("Attachment added")),
    )
}

# The lifecycle moves (the ``@transition`` methods), by name → how a sentence says it was done.
TRANSITION_LABELS = {name: a.done for name, a in ACTIONS.items() if a.done is not None}

# Every action by name → its heading: the audit log's filter choices.
TITLES = {name: a.title for name, a in ACTIONS.items()}

# What may run with by=None, and on whose behalf (see ``services.pipeline._move``): the SLA sweep
# escalates; the complainant answers the satisfaction survey (follow up, or reopen).
SYSTEM_ACTIONS = frozenset({"escalate"})
COMPLAINANT_ACTIONS = frozenset({"follow_up", "reopen"})


def title(action: str) -> str:
    """The heading of a history row's action. Rows written by a plain save have none ("Edit");
    actions of other apps not in the table (the escalation app's deadline writes, say) read
    "Updated (action)"."""
    if action in ACTIONS:
        return str(ACTIONS[action].title)
    if not action:
        return str(_("Edit"))
    return str(_("Updated (%(action)s)") % {"action": action})
