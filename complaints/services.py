"""Every write to a complaint, one function per action.

Views, admin actions, API endpoints, management commands and tasks call these and nothing else.
Each lifecycle service:

1. opens a transaction and re-reads the row with ``SELECT ... FOR UPDATE`` (so two writers
   queue instead of interleaving);
2. refuses a stale copy: the caller's ``version`` (or ``expected_version``) must match the row,
   otherwise ``StaleComplaint`` (409) — nobody's intent is silently overwritten;
3. refuses a move the state machine does not allow from the current state (409), a user whose
   tier or relation to the complaint does not permit it (403), and a missing condition (409,
   with the condition's own message);
4. applies the action's fields, calls the ``@transition`` method, bumps the version and saves,
   with the acting user, the reason and the action name on the history row;
5. sends ``complaint_changed`` so other apps (deadlines, notifications) can react.

Anything raised rolls the whole transaction back: nothing half-written is saved.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import secrets
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransition

from complaints import actions, root_causes, routing, rules
from complaints.models import (
    OPEN_STATES,
    Attachment,
    Communication,
    Complaint,
    Department,
    FollowUpOutcome,
    IdempotencyKey,
    Note,
    Priority,
    ReferenceSequence,
    RootCause,
    StaffProfile,
    State,
    Tier,
)
from complaints.signals import (
    complaint_changed,
    complaint_changing,
    complaints_changed,
    history_bulk_created,
)


class ServiceError(Exception):
    """A refused action; ``message`` is shown to the user as it is."""

    status_code = 409

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


class TransitionRefused(ServiceError):
    """The action is not possible from the complaint's state, or a condition is missing (409)."""


class StaleComplaint(ServiceError):
    """The complaint changed since the caller read it (409)."""


class ApprovalRequired(TransitionRefused):
    """The remedy exceeds what the acting tier may grant without approval (409)."""


class InvalidInput(ServiceError):
    """The values given break a rule of the action (400), e.g. a resolution without the coded
    cause a substantiated complaint needs. ``fields`` maps each field to its message."""

    status_code = 400

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__(" ".join(str(message) for message in fields.values()))
        self.fields = {name: str(message) for name, message in fields.items()}


class ActionForbidden(ServiceError, PermissionDenied):
    """This user may not perform this action on this complaint (403)."""

    status_code = 403


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    # +86 138... and 138... are the same mobile number.
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_id(number: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", number or "").upper()


def _next_reference(now) -> str:
    """``C-2026-000123``: one upsert of the per-year counter row, whose lock it then holds until
    the intake commits (so numbers have no gaps and no duplicates)."""
    year = timezone.localtime(now).year
    table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 (our own table)
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{settings.REDRESS_REFERENCE_PREFIX}-{year}-{last:06d}"


def _new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


def _lock(complaint: Complaint) -> Complaint:
    # A fresh copy under a row lock; refresh_from_db() is refused on protected FSM fields.
    # no_key: the lock does not block inserts of notes/attachments referencing this row.
    return Complaint.objects.select_for_update(no_key=True).get(pk=complaint.pk)


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


def _save(complaint: Complaint, *, by, action: str, reason: str) -> None:
    complaint._history_user = by
    complaint._change_reason = reason or ""
    complaint._history_transition = action
    try:
        complaint.save()
    except ConcurrentTransition as exc:  # the row lock makes this unreachable; kept as a net
        raise StaleComplaint(_("The complaint changed while you were saving it.")) from exc


# The words for each action, and who may act without a user: one table, complaints.actions.
ACTION_LABELS = actions.TRANSITION_LABELS
SYSTEM_ACTIONS = actions.SYSTEM_ACTIONS
COMPLAINANT_ACTIONS = actions.COMPLAINANT_ACTIONS


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
    """Run one lifecycle action; see the module docstring for the steps. ``context`` travels
    unread to the receivers of ``complaint_changing``/``complaint_changed`` (the escalation
    app's record of why a complaint was escalated)."""
    with transaction.atomic():
        locked = _lock(complaint)
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
            % {"state": locked.get_state_display().lower(), "action": ACTION_LABELS[action]}
        )
    # by=None is nobody on the staff: the SLA sweep escalating, or the complainant answering
    # the satisfaction survey (record_survey_answer, the only caller passing by_complainant).
    # No other action runs without a user whose permission was checked.
    system = by is None and (
        action in SYSTEM_ACTIONS or (by_complainant and action in COMPLAINANT_ACTIONS)
    )
    if not system and not routed and not fsm_transition.has_perm(locked, by):
        raise ActionForbidden(
            _("You may not mark %(reference)s as %(action)s.")
            % {"reference": locked.reference, "action": ACTION_LABELS[action]}
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


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------

REGISTRATION_FIELDS = {
    "received_at",
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
    "preferred_channel",
    "complainant_language",
    "confidential",
    "subject_department",
    "subject_person",
    "subject_description",
    "request",
    "category",
    "priority",
    "department",
    "promised_reply_at",
    "repeat_of",
    "appeal_of",
    # A transfer from a regulator or hotline platform (intake.transfers).
    "external_platform",
    "external_reference",
    "external_due_at",
}


def register(
    *,
    by,
    channel: str,
    description: str,
    reason: str = "",
    idempotency_key: str = "",
    idempotency_scope: str = "",
    **fields: Any,
) -> Complaint:
    """Register a complaint (登记) in state ``received``.

    Preconditions: the form/serializer validated the fields; ``by`` is the registering staff
    member, or None for public channels (web form, email, Open311).
    Side effects: a reference from the per-year counter, a tracking code, normalised contact
    keys; major complaints and appeals start at the department-manager tier (DOMAIN.md: major
    complaints go straight to a manager). With an ``idempotency_key`` a retry within the same
    ``idempotency_scope`` returns the complaint the first attempt created, unchanged.
    History: one "register" row by ``by``.
    """
    unknown = set(fields) - REGISTRATION_FIELDS
    if unknown:
        raise TypeError(f"register() got unexpected fields: {sorted(unknown)}")
    if idempotency_key:
        complaint, _created = register_once(
            by=by,
            channel=channel,
            description=description,
            reason=reason,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
            **fields,
        )
        return complaint
    now = timezone.now()
    with transaction.atomic():
        complaint = Complaint(channel=channel, description=description, created_by=by, **fields)
        if fields.get("received_at") is None:
            complaint.received_at = now
        if complaint.department_id is None and by is not None:
            complaint.department_id = rules.department_id_of(by)
        if complaint.priority == Priority.MAJOR or complaint.appeal_of_id is not None:
            complaint.tier = Tier.MANAGER
        complaint.complainant_phone_norm = normalise_phone(complaint.complainant_phone)
        complaint.complainant_email_norm = normalise_email(complaint.complainant_email)
        complaint.complainant_id_norm = normalise_id(complaint.complainant_id_number)
        complaint.tracking_code = _new_tracking_code()

        def number(complaint: Complaint) -> None:
            # Last, just before the INSERT: concurrent intakes queue on the counter's row lock
            # from here to their commit, so nothing slow may come after it.
            complaint.reference = _next_reference(now)

        _announce_and_save(
            complaint, by=by, action="register", reason=reason, source=None, before_save=number
        )
    return complaint


def register_once(
    *,
    by,
    channel: str,
    description: str,
    idempotency_key: str,
    idempotency_scope: str = "",
    reason: str = "",
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register a complaint unless this ``idempotency_key`` (within ``idempotency_scope``: the
    API client, the mailbox, the transfer platform) already registered one; returns
    ``(complaint, created)``. A retry gets the first attempt's complaint, unchanged, with
    ``created=False``, so the caller can answer 200 rather than 201 and attach files once.
    Two simultaneous attempts: one creates, the other gets its complaint."""
    existing = _complaint_for_key(idempotency_scope, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            complaint = register(
                by=by, channel=channel, description=description, reason=reason, **fields
            )
            IdempotencyKey.objects.create(
                scope=idempotency_scope, key=idempotency_key, complaint=complaint
            )
            return complaint, True
    except IntegrityError:
        # A simultaneous retry won the unique key; its complaint is the answer.
        existing = _complaint_for_key(idempotency_scope, idempotency_key)
        if existing is None:
            raise
        return existing, False


def _complaint_for_key(scope: str, key: str) -> Complaint | None:
    row = IdempotencyKey.objects.filter(scope=scope, key=key).select_related("complaint").first()
    return row.complaint if row else None


# ---------------------------------------------------------------------------------------------
# The lifecycle
# ---------------------------------------------------------------------------------------------


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


def _route_to_handler(complaint: Complaint, *, by, handler) -> Complaint:
    # Part of the classification, so it needs no assign permission of ``by``; the handler was
    # checked by ``routing.handler_for`` and the transition's conditions check it again.
    with translation.override(settings.LANGUAGE_CODE):
        reason = str(_("Routed to the department's complaint handler"))
    with transaction.atomic():
        locked = _lock(complaint)
        source = _move(locked, action="assign", by=by, changes={"assignee": handler}, routed=True)
        _announce_and_save(locked, by=by, action="assign", reason=reason, source=source)
    return locked


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
    within_authority = _remedy_within_authority(by)

    def accountability(locked: Complaint) -> None:
        within_authority(locked)
        if not substantiated:
            return
        locked.responsible_department = responsible_department or (
            root_causes.default_department(locked)
        )
        locked.responsibility_found_at = timezone.now()

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
            # Blank unless substantiated; ``accountability`` fills them in under the lock.
            "responsible_department": None,
            "responsible_person": responsible_person if substantiated else None,
            "responsibility_finding": responsibility_finding.strip() if substantiated else "",
            "responsibility_found_at": None,
        },
        expected_version=expected_version,
        check=accountability,
    )


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


def _remedy_within_authority(by) -> Callable[[Complaint], None]:
    """A check that the locked complaint's remedy is within ``by``'s tier limit, or approved up
    to at least that amount (``approve_remedy``); otherwise ``ApprovalRequired``."""

    def within_authority(locked: Complaint) -> None:
        amount = locked.remedy_amount or Decimal("0")
        if rules.within_limit(amount, rules.remedy_limit(by)):
            return
        if locked.remedy_approved_amount is not None and amount <= locked.remedy_approved_amount:
            return
        raise ApprovalRequired(
            _(
                "A remedy of %(amount)s exceeds what your tier may grant (%(limit)s). "
                "Ask a manager to approve it first."
            )
            % {"amount": amount, "limit": rules.remedy_limit(by)}
        )

    return within_authority


def approve_remedy(
    complaint: Complaint,
    *,
    by,
    amount: Decimal,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Approve a remedy above the handler's limit (超出处理权限 → approval by a higher tier).

    Preconditions: state assigned; ``by`` is a manager of the department or the GM whose own
    limit covers ``amount``. Side effects: the proposed remedy amount and the approved amount
    become ``amount``. History: one "approve_remedy" row.
    """

    def approver_limit_covers(locked: Complaint) -> None:
        if not rules.within_limit(amount, rules.remedy_limit(by)):
            raise ActionForbidden(
                _("A remedy of %(amount)s exceeds your own approval limit.") % {"amount": amount}
            )

    return _perform(
        complaint,
        action="approve_remedy",
        by=by,
        reason=reason,
        changes={"remedy_amount": amount, "remedy_approved_by": by},
        expected_version=expected_version,
        check=approver_limit_covers,
    )


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
        locked = list(
            Complaint.objects.select_for_update(no_key=True, skip_locked=True)
            .filter(pk__in=list(wanted))
            .order_by("pk")
        )
        for pk in wanted.keys() - {row.pk for row in locked}:
            outcome.refused[pk] = str(_("Another user is changing it right now."))
        sources: dict[int, str] = {}
        before: dict[int, dict[str, Any]] = {}
        for row in locked:
            seen, reason = wanted[row.pk]
            before[row.pk] = {f.attname: getattr(row, f.attname) for f in _CONCRETE}
            try:
                _check_version(row, seen.version)
                context = contexts[row.pk]
                sources[row.pk] = _move(
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
                    source=sources[row.pk],
                    target=row.state,
                    context=context,
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


def _checked(check, context, locked: Complaint) -> None:
    check(locked, context)


_CONCRETE = [f for f in Complaint._meta.concrete_fields if not f.primary_key]


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
    # One UPDATE statement per row, sent in a pipeline by executemany (psycopg 3): ≈0.1 ms a
    # row, where bulk_update()'s CASE expressions cost ≈2 ms a row to build in Python.
    quote = connection.ops.quote_name
    # Names come from the model's own metadata; values are parameters.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(Complaint._meta.db_table),
        ", ".join(f"{quote(f.column)} = %s" for f in fields),
        quote(Complaint._meta.pk.column),
    )
    # No column changed (a deadline check that moved nothing, in the same instant as the last
    # save): nothing to UPDATE, only the history rows below.
    if fields:
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(getattr(c, f.attname), connection) for f in fields] + [c.pk]
                    for c in complaints
                ],
            )
    history = Complaint.history.bulk_history_create(
        complaints,
        update=True,
        default_date=now,
        custom_historical_attrs={"history_transition": action},
    )
    history_bulk_created.send(sender=Complaint.history.model, history_instances=history)


def merge(
    complaint: Complaint,
    *,
    into: Complaint,
    by,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Merge a duplicate into the open case it repeats: the duplicate is terminated with reason
    "merged" and points at the surviving case; both keep their own history."""
    if into.pk == complaint.pk or into.state not in OPEN_STATES:
        raise TransitionRefused(_("A complaint can only be merged into another open complaint."))
    return _perform(
        complaint,
        action="withdraw",
        by=by,
        reason=reason or str(_("Merged into %(reference)s") % {"reference": into.reference}),
        changes={"withdraw_reason": "merged", "merged_into": into, "decision_note": reason},
        expected_version=expected_version,
    )


def link_repeat(complaint: Complaint, *, repeat_of: Complaint, by, reason: str = "") -> Complaint:
    """Mark ``complaint`` as a repeat (重复投诉) of an earlier one; reports count repeats."""
    if repeat_of.pk == complaint.pk:
        raise TransitionRefused(_("A complaint cannot repeat itself."))
    with transaction.atomic():
        locked = _lock(complaint)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(_("You may not edit this complaint."))
        locked.repeat_of = repeat_of
        locked.version += 1
        _announce_and_save(locked, by=by, action="link_repeat", reason=reason, source=locked.state)
    return locked


DEADLINE_FIELDS = {
    "acceptance_due_at",
    "first_response_due_at",
    "resolution_due_at",
    "follow_up_due_at",
    "next_due_at",
    "promised_reply_at",
    "clock_paused_at",
    "extension_count",
}


def set_deadlines(
    complaint: Complaint, *, by, action: str, reason: str, **fields: Any
) -> Complaint:
    """Write deadline columns outside a lifecycle move (clock paused or resumed, extension
    granted, policy recomputed). Rules about *when* that is allowed live in the escalation app;
    this only saves under the row lock with history. No version bump: a deadline change does not
    make anyone's open form stale. History: one row labelled ``action``.
    """
    unknown = set(fields) - DEADLINE_FIELDS
    if unknown:
        raise TypeError(f"set_deadlines() cannot change {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock(complaint)
        for field, value in fields.items():
            setattr(locked, field, value)
        _save(locked, by=by, action=action, reason=reason)
        complaint_changed.send(
            sender=Complaint,
            complaint=locked,
            action=action,
            by=by,
            reason=reason,
            source=locked.state,
            target=locked.state,
            context=None,
        )
    return locked


def set_deadlines_many(
    ids: Sequence[int],
    *,
    by,
    action: str,
    reason: str,
    compute: Callable[[Complaint], dict[str, Any] | None],
) -> list[Complaint]:
    """``set_deadlines`` for many complaints in one transaction: the escalation app's path when
    a policy or a calendar year changes under open complaints.

    Locks the rows (waiting for other writers: a deadline recomputed from a copy read before
    someone else's move would undo it), calls ``compute(locked)`` for each, which answers the
    deadline columns to write (``{}``: nothing changes but the history should say it was
    checked) or None to leave the complaint alone, then saves them with one pipeline of
    UPDATEs and one history INSERT, and tells other apps with one ``complaints_changed``.
    No version bump. History: one row labelled ``action`` per complaint written.
    """
    with transaction.atomic():
        locked = list(
            Complaint.objects.select_for_update(no_key=True).filter(pk__in=list(ids)).order_by("pk")
        )
        done: list[Complaint] = []
        before: dict[int, dict[str, Any]] = {}
        for row in locked:
            snapshot = {f.attname: getattr(row, f.attname) for f in _CONCRETE}
            fields = compute(row)
            if fields is None:
                continue
            unknown = set(fields) - DEADLINE_FIELDS
            if unknown:
                raise TypeError(f"set_deadlines_many() cannot change {sorted(unknown)}")
            for field, value in fields.items():
                setattr(row, field, value)
            before[row.pk] = snapshot
            done.append(row)
        if done:
            reasons = {row.pk: reason for row in done}
            _save_many(done, before, by=by, action=action, reasons=reasons)
            complaints_changed.send(
                sender=Complaint,
                complaints=done,
                action=action,
                by=by,
                reasons=reasons,
                sources={row.pk: row.state for row in done},
                contexts={},
            )
    return done


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


# ---------------------------------------------------------------------------------------------
# Records attached to a complaint
# ---------------------------------------------------------------------------------------------


def _require_handler(complaint: Complaint, by, permission: str) -> None:
    if not (rules._perm(by, permission) and rules.handles(complaint, by)):
        raise ActionForbidden(_("You may not add to this complaint."))


def add_note(complaint: Complaint, *, by, body: str) -> Note:
    """An internal note by a handler. History: the note's own "+" row."""
    _require_handler(complaint, by, "add_note")
    note = Note(complaint=complaint, author=by, body=body)
    note._history_user = by
    note._history_transition = "note"
    with transaction.atomic():  # the note, its history row and what receivers write: together
        note.save()
    return note


def log_communication(
    complaint: Complaint,
    *,
    by,
    medium: str,
    direction: str,
    summary: str,
    public: bool = False,
    occurred_at=None,
    message_id: str = "",
) -> Communication:
    """Log a call, email, letter or visit. The first outbound contact is the first response.

    ``by`` is None for inbound mail imported by the system.
    """
    if by is not None:
        _require_handler(complaint, by, "add_communication")
    with transaction.atomic():
        comm = Communication(
            complaint=complaint,
            author=by,
            medium=medium,
            direction=direction,
            summary=summary,
            public=public,
            occurred_at=occurred_at or timezone.now(),
            message_id=message_id,
        )
        comm._history_user = by
        comm._history_transition = "communication"
        comm.save()
        if direction == Communication.Direction.OUTBOUND:
            locked = _lock(complaint)
            if locked.first_response_at is None:
                # A milestone, not a change of anyone's intent: no version bump.
                locked.first_response_at = comm.occurred_at
                # Announced like any change, so the first-response deadline stops running.
                _announce_and_save(
                    locked,
                    by=by,
                    action="first_response",
                    reason=summary[:200],
                    source=locked.state,
                )
    return comm


def add_attachment(
    complaint: Complaint,
    *,
    by,
    file,
    original_name: str,
    content_type: str,
    size: int,
    public: bool = False,
) -> Attachment:
    """Keep an evidence file. Size and type limits are checked by the form beforehand."""
    # The agent who registered a complaint may attach the evidence handed over with it while it
    # is still being received, even when it starts out of their hands (major complaints, appeals).
    registering = (
        by is not None and complaint.created_by_id == by.pk and complaint.state == State.RECEIVED
    )
    if by is not None and not registering:
        _require_handler(complaint, by, "add_attachment")
    attachment = Attachment(
        complaint=complaint,
        file=file,
        original_name=original_name,
        content_type=content_type,
        size=size,
        public=public,
        uploaded_by=by,
    )
    attachment._history_user = by
    attachment._history_transition = "attachment"
    with transaction.atomic():
        attachment.save()
    return attachment


EDITABLE_FIELDS = {
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
    "preferred_channel",
    "complainant_language",
    "confidential",
    "subject_department",
    "subject_person",
    "subject_description",
    "description",
    "request",
    "promised_reply_at",
}


def update_details(
    complaint: Complaint,
    *,
    by,
    changes: dict[str, Any],
    reason: str,
    expected_version: int | None = None,
) -> Complaint:
    """Correct registration details of an open complaint (typo in a phone number, a fuller
    account). Not a lifecycle move: state, ownership and resolution change only through their
    actions. History: one "edit" row with the reason.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_details() cannot change {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock(complaint)
        _check_version(locked, complaint.version if expected_version is None else expected_version)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(_("You may not edit this complaint."))
        if locked.state not in (
            State.RECEIVED,
            State.CLASSIFIED,
            State.ASSIGNED,
            State.RESOLVED,
            State.FOLLOWED_UP,
        ):
            raise TransitionRefused(_("A finished complaint cannot be edited."))
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.complainant_phone_norm = normalise_phone(locked.complainant_phone)
        locked.complainant_email_norm = normalise_email(locked.complainant_email)
        locked.complainant_id_norm = normalise_id(locked.complainant_id_number)
        locked.version += 1
        _announce_and_save(locked, by=by, action="edit", reason=reason, source=locked.state)
    return locked


# ---------------------------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------------------------

TIER_GROUPS = {
    Tier.FRONTLINE: "Frontline",
    Tier.MANAGER: "Department manager",
    Tier.GM: "General manager",
    Tier.AUDITOR: "Auditor",
}


def set_staff_profile(user, *, tier: str, department: Department | None, by=None) -> StaffProfile:
    """Give ``user`` a tier and department, and make their Django group match the tier.

    The groups carry the permissions (created by migration, editable in the admin), so the
    tier is what an operator sees and changes. History: the profile's row.
    """
    with transaction.atomic():
        profile, _created = StaffProfile.objects.select_for_update().get_or_create(
            user=user, defaults={"tier": tier, "department": department}
        )
        profile.tier = tier
        profile.department = department
        profile._history_user = by
        profile.save()
        tier_groups = Group.objects.filter(name__in=TIER_GROUPS.values())
        user.groups.remove(*tier_groups)
        user.groups.add(Group.objects.get(name=TIER_GROUPS[tier]))
        if tier in (Tier.FRONTLINE, Tier.MANAGER, Tier.GM, Tier.AUDITOR) and not user.is_staff:
            # The Django admin is one of the staff surfaces; access is still scoped by tier.
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    # The user object caches permissions and the profile; drop both.
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)
    user.staff_profile = profile
    return profile


# ---------------------------------------------------------------------------------------------
# Priority (issue #15: changed one by one or in bulk from the list)
# ---------------------------------------------------------------------------------------------


def change_priority(
    complaint: Complaint,
    *,
    by,
    priority: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Change the priority of an open complaint after classification found it wrong.

    Preconditions: the complaint is open; ``by`` handles it and may change complaints; the
    priority differs from the current one. Lowering a major complaint is a manager's decision
    (``handle_major_complaint``), as turning one away is. Raising one to major at the
    frontline tier moves it to the manager tier, as classifying it major does (DOMAIN.md: major
    complaints go straight to a manager). History: one "priority" row with the reason.
    """
    if priority not in Priority.values:
        raise TypeError(f"change_priority() got an unknown priority {priority!r}")
    with transaction.atomic():
        locked = _lock(complaint)
        _check_version(locked, complaint.version if expected_version is None else expected_version)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(
                _("You may not change the priority of %(reference)s.")
                % {"reference": locked.reference}
            )
        if locked.state not in OPEN_STATES:
            raise TransitionRefused(
                _("A complaint that is %(state)s keeps its priority.")
                % {"state": locked.get_state_display().lower()}
            )
        if locked.priority == priority:
            raise TransitionRefused(
                _("%(reference)s already has that priority.") % {"reference": locked.reference}
            )
        if locked.priority == Priority.MAJOR and not rules._perm(by, "handle_major_complaint"):
            raise ActionForbidden(_("Only a manager may lower the priority of a major complaint."))
        locked.priority = priority
        if priority == Priority.MAJOR and locked.tier == Tier.FRONTLINE:
            locked.tier = Tier.MANAGER
        locked.version += 1
        _announce_and_save(locked, by=by, action="priority", reason=reason, source=locked.state)
    return locked
