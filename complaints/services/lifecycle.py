"""The lifecycle actions (受理, 不予受理, 处理完毕, 回访, 结案, 终止...), one service each, all
through ``pipeline._perform``; and the table of them by name (``TRANSITIONS``) for the surfaces
that dispatch on a name. Assignment and escalation are in ``assignment``, the remedy approval
in ``remedies``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from complaints import root_causes, routing
from complaints.models import Complaint, Department, FollowUpOutcome, Priority, RootCause, Tier
from complaints.services.assignment import _route_to_handler, assign, escalate
from complaints.services.errors import InvalidInput, TransitionRefused
from complaints.services.pipeline import _perform
from complaints.services.remedies import _remedy_within_authority, approve_remedy


def classify(
    complaint: Complaint,
    *,
    by,
    category,
    priority: str,
    department: Department,
    reason: str = "",
    expected_version: int | None = None,
    route: bool = True,
) -> Complaint:
    """Accept (受理) and classify a received complaint.

    Preconditions: state received; ``by`` handles it and may classify. Side effects: category,
    priority and handling department set; a major complaint moves to the manager tier; with
    ``route`` (callers that assign at once pass False) the complaint goes to the department's
    complaint handler (``complaints.routing``). History: one "classify" row, and one "assign"
    row by ``by`` when it was routed to the handler.
    """
    changes: dict[str, Any] = {"category": category, "priority": priority, "department": department}
    if priority == Priority.MAJOR and complaint.tier == Tier.FRONTLINE:
        changes["tier"] = Tier.MANAGER
    with transaction.atomic():
        done = _perform(
            complaint,
            action="classify",
            by=by,
            reason=reason,
            changes=changes,
            expected_version=expected_version,
        )
        handler = routing.handler_for(done) if route else None
        if handler is not None:
            done = _route_to_handler(done, by=by, handler=handler)
    return done


def reject(
    complaint: Complaint,
    *,
    by,
    reason_code: str,
    explanation: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Refuse to accept (不予受理) a received complaint with one of DOMAIN.md's reasons.

    The explanation is what the complainant is told. History: one "reject" row whose reason is
    the explanation.
    """
    return _perform(
        complaint,
        action="reject",
        by=by,
        reason=explanation,
        changes={"reject_reason": reason_code, "decision_note": explanation},
        expected_version=expected_version,
    )


def resolve(
    complaint: Complaint,
    *,
    by,
    root_cause: str,
    resolution_summary: str,
    substantiated: bool,
    remedy: str = "",
    remedy_amount: Decimal = Decimal("0"),
    corrective_action: str = "",
    cause: RootCause | str | None = None,
    responsible_department: Department | None = None,
    responsible_person=None,
    responsibility_finding: str = "",
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the resolution (处理完毕/答复), its coded cause and the responsibility finding.

    Preconditions: state assigned; ``by`` handles it and is not complained about; a remedy amount
    above ``by``'s tier limit needs an approval of at least that amount first
    (``approve_remedy``), otherwise ``ApprovalRequired``. The coded ``cause`` (a RootCause or
    its code) and the accountability follow ``complaints.root_causes`` (else ``InvalidInput``,
    400): a substantiated complaint needs a finer, active cause and gets a responsible
    department (default: the department complained about, else the handling one) and, where
    named, a responsible person with a finding, stamped ``responsibility_found_at``; an
    unsubstantiated one has all of these blank. History: one "resolve" row. Side effect: the
    ``complaint_changed`` signal, on which the escalation app tells a named person.
    """
    cause = _checked_resolution(
        substantiated=substantiated,
        cause=cause,
        responsible_person=responsible_person,
        responsibility_finding=responsibility_finding,
    )
    return _perform(
        complaint,
        action="resolve",
        by=by,
        reason=reason,
        changes={
            "root_cause": root_cause,
            "resolution_summary": resolution_summary,
            "substantiated": substantiated,
            "remedy": remedy,
            "remedy_amount": remedy_amount,
            "corrective_action": corrective_action,
            "cause": cause,
            **_finding(substantiated, responsible_person, responsibility_finding),
        },
        expected_version=expected_version,
        check=_authorised_and_accountable(
            by, substantiated=substantiated, responsible_department=responsible_department
        ),
    )


def _finding(substantiated: bool, responsible_person, responsibility_finding: str) -> dict:
    """The accountability columns as ``resolve`` sets them: blank unless substantiated; the
    department and the time are filled in under the lock (``_authorised_and_accountable``)."""
    return {
        "responsible_department": None,
        "responsible_person": responsible_person if substantiated else None,
        "responsibility_finding": responsibility_finding.strip() if substantiated else "",
        "responsibility_found_at": None,
    }


def _authorised_and_accountable(
    by, *, substantiated: bool, responsible_department: Department | None
) -> Callable[[Complaint], None]:
    """``resolve``'s check of the locked complaint: the remedy is within ``by``'s authority
    (``remedies``), and a substantiated complaint gets its responsible department (the one
    given, else ``root_causes.default_department``) and the time of the finding."""
    within_authority = _remedy_within_authority(by)

    def check(locked: Complaint) -> None:
        within_authority(locked)
        if not substantiated:
            return
        locked.responsible_department = responsible_department or (
            root_causes.default_department(locked)
        )
        locked.responsibility_found_at = timezone.now()

    return check


def _checked_resolution(
    *,
    substantiated: bool,
    cause: RootCause | str | None,
    responsible_person,
    responsibility_finding,
) -> RootCause | None:
    """The coded cause (looked up when given by code), once the values keep the rules of
    ``complaints.root_causes``; otherwise ``InvalidInput`` (400) naming each field."""
    if isinstance(cause, str):
        code, cause = cause, root_causes.by_code(cause)
        if cause is None:
            raise InvalidInput({"cause": _("There is no root cause %(code)s.") % {"code": code}})
    problems = root_causes.resolution_problems(
        substantiated=substantiated,
        cause=cause,
        responsible_person=responsible_person,
        responsibility_finding=responsibility_finding,
    )
    if problems:
        raise InvalidInput(problems)
    return cause


def follow_up(
    complaint: Complaint,
    *,
    by,
    outcome: str,
    comment: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Record the follow-up call (回访): satisfied, basically satisfied, dissatisfied, unreachable.

    History: one "follow_up" row whose reason is the comment.
    """
    return _perform(
        complaint,
        action="follow_up",
        by=by,
        reason=comment,
        changes={"follow_up_outcome": outcome, "follow_up_comment": comment},
        expected_version=expected_version,
    )


def reopen(
    complaint: Complaint, *, by, reason: str = "", expected_version: int | None = None
) -> Complaint:
    """Send a complaint whose follow-up found the complainant dissatisfied back to its handler.

    Side effects: reopen count +1; the earlier resolution stays until the handler resolves
    again (the report counts reopened cases). History: one "reopen" row.
    """
    return _perform(
        complaint, action="reopen", by=by, reason=reason, expected_version=expected_version
    )


SURVEY_OUTCOMES = (
    FollowUpOutcome.SATISFIED,
    FollowUpOutcome.BASICALLY_SATISFIED,
    FollowUpOutcome.DISSATISFIED,
)


def record_survey_answer(
    complaint: Complaint, *, outcome: str, comment: str = "", expected_version: int
) -> Complaint:
    """Record the complainant's own answer to the satisfaction survey as the follow-up (回访).

    The only way a follow-up is written without a staff member: the caller is the public survey
    page (``correspondence.survey``), which has proved with a signed link that the complainant
    is answering and which ``expected_version`` the link was sent at. The follow-up is the same
    as a handler's call (same transition, same fields, same history row that the monthly
    satisfaction figure counts), except that the history row's user is None and its reason says
    it came from the survey. A dissatisfied answer reopens the complaint for its handler at once
    (DOMAIN.md: reopened after a dissatisfied follow-up), in the same transaction.

    Preconditions: state resolved, version ``expected_version`` (otherwise StaleComplaint: the
    link was used, or a handler recorded a follow-up first); outcome one of SURVEY_OUTCOMES
    ("unreachable" makes no sense from the complainant). History: one "follow_up" row, plus one
    "reopen" row when dissatisfied, both with history_user None.
    """
    if outcome not in SURVEY_OUTCOMES:
        raise TransitionRefused(_("Choose satisfied, basically satisfied or dissatisfied."))
    # History reasons are read by staff: write them in the organisation's language, not in the
    # language the complainant happened to answer in.
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("Satisfaction survey"))
        if comment:
            reason = f"{reason}: {comment}"
        reopen_reason = str(_("The complainant answered the survey: dissatisfied"))
    with transaction.atomic():
        done = _perform(
            complaint,
            action="follow_up",
            by=None,
            reason=reason,
            changes={"follow_up_outcome": outcome, "follow_up_comment": comment},
            expected_version=expected_version,
            by_complainant=True,
        )
        if outcome == FollowUpOutcome.DISSATISFIED:
            done = _perform(
                done, action="reopen", by=None, reason=reopen_reason, by_complainant=True
            )
    return done


def close(
    complaint: Complaint, *, by, reason: str = "", expected_version: int | None = None
) -> Complaint:
    """Close (结案) a followed-up complaint. A dissatisfied one only by the general manager."""
    return _perform(
        complaint, action="close", by=by, reason=reason, expected_version=expected_version
    )


def withdraw(
    complaint: Complaint,
    *,
    by,
    reason_code: str,
    explanation: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Terminate (终止) an open complaint: withdrawn, untrue, no cooperation, litigation..."""
    return _perform(
        complaint,
        action="withdraw",
        by=by,
        reason=explanation,
        changes={"withdraw_reason": reason_code, "decision_note": explanation},
        expected_version=expected_version,
    )


# The lifecycle actions by name, for the admin, API and views that dispatch on a name.
TRANSITIONS: dict[str, Callable[..., Complaint]] = {
    "classify": classify,
    "reject": reject,
    "assign": assign,
    "resolve": resolve,
    "follow_up": follow_up,
    "reopen": reopen,
    "close": close,
    "withdraw": withdraw,
    "escalate": escalate,
    "approve_remedy": approve_remedy,
}


def available_transitions(complaint: Complaint, user) -> list[str]:
    """The actions ``user`` may start on ``complaint`` now (state and permission, not fields)."""
    names = []
    for name in TRANSITIONS:
        fsm_transition = getattr(complaint, name)._django_fsm.get_transition(complaint.state)
        if fsm_transition is not None and fsm_transition.has_perm(complaint, user):
            names.append(name)
    return names
