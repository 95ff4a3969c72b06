"""What every escalation service shares: who may act, the policy of a complaint, the checks
that the handler acts on a running clock, and how a request record is saved with history."""

from __future__ import annotations

from django.utils.translation import gettext as _

from complaints import rules, selectors
from complaints.models import HANDLING_STATES, Complaint, Tier
from complaints.services import ActionForbidden, TransitionRefused
from escalation import notify
from escalation.rulebook import rulebook


class NoLongerDue(TransitionRefused):
    """The sweep saw a deadline missed, but under the row lock it no longer is (paused,
    answered, extended, or escalated by someone else meanwhile)."""


def may_handle(complaint: Complaint, user) -> bool:
    """Handlers of the complaint (not auditors) may escalate, pause, and ask for more time."""
    return selectors.may_write(user) and rules.handles(complaint, user)


def may_approve(complaint: Complaint, user) -> bool:
    """Department managers (their department) and the general manager approve pauses beyond
    the limit and extensions; never the person complained about."""
    return (
        rules.tier_of(user) in (rules.MANAGER, rules.GM)
        and rules.handles(complaint, user)
        and not rules.is_complained_about(complaint, user)
    )


def approver_roles(complaint: Complaint, requester) -> list[str]:
    """Who is asked: the department's manager, or the general manager when the requester is
    that manager (nobody approves their own request) or there is no department."""
    if (
        complaint.department_id
        and rules.tier_of(requester) == rules.FRONTLINE
        and complaint.tier == Tier.FRONTLINE
    ):
        return [notify.DEPT_MANAGER]
    return [notify.GM]


def policy_and_calendar(complaint: Complaint):
    book = rulebook()
    policy = book.for_complaint(complaint)
    return policy, book.calendar_of(policy)


def policy_of(complaint: Complaint):
    """The SLA policy that applies to ``complaint`` now (None: no policy matches)."""
    return rulebook().for_complaint(complaint)


def require_handler(complaint: Complaint, user, message: str) -> None:
    if not may_handle(complaint, user):
        raise ActionForbidden(message % {"reference": complaint.reference})


def require_running(complaint: Complaint) -> None:
    if complaint.state not in HANDLING_STATES:
        raise TransitionRefused(
            _("%(reference)s is %(state)s: its clock no longer runs.")
            % {"reference": complaint.reference, "state": complaint.get_state_display().lower()}
        )


# The columns a decision on a request (pause, extension, remedy approval) changes.
DECIDED = ["status", "decided_by", "decided_at", "decision_note"]
ENDED = ["status", "ended_at", "ended_by", "end_cause"]


def save_record(record, by, fields: list[str] | None = None) -> None:
    """Save ``record`` with ``by`` on its history row: a new row whole, an existing one only
    the ``fields`` the service changed (a concurrent writer's other columns stay theirs)."""
    record._history_user = by
    record.save(update_fields=None if record._state.adding else fields)
