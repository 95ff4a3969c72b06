"""How the escalation app follows the lifecycle. Connected in ``EscalationConfig.ready``.

Every receiver here reacts to a move the core's service already allowed: none refuses one
(a rule that must hold lives in the service that makes the change, e.g. the sweep's "still
overdue under the row lock" is the ``check=`` it passes to ``complaints.services.
escalate_many``). Everything they need arrives in the signal's keyword arguments, including
why a complaint was escalated (``context``/``contexts``, an ``escalation.records.
EscalationContext``).

- ``complaint_changing`` (before the service saves): derive the due-time columns, so a move
  and its deadlines are one save and one history row.
- ``complaint_changed`` / ``complaints_changed`` (after the save, same transaction): write the
  escalation record, queue notifications, and, as reactions to the complaint moving on, close
  pauses and requests when it stops being handled, mark a pending remedy request approved on
  ``approve_remedy``, and lapse it when the complaint leaves the assigned state or its
  requester.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from complaints.models import HANDLING_STATES, TIER_ORDER, Category, Priority, State
from complaints.people import display_name
from complaints.signals import (
    complainant_notice_requested,
    complaint_changed,
    complaint_changing,
    complaints_changed,
)
from escalation import deadlines, notify, rulebook, years
from escalation.models import (
    CalendarDay,
    CalendarYear,
    Escalation,
    EscalationCause,
    SlaPolicy,
    WorkCalendar,
)
from escalation.records import EscalationContext


@receiver(complaint_changing, dispatch_uid="escalation.set_due_times")
def set_due_times(sender, complaint, action, **kwargs) -> None:
    """Derive the due-time columns of the move (a reaction: whether the move is allowed was
    decided by the service before this runs)."""
    now = timezone.now()
    book = rulebook.rulebook()
    policy = book.for_complaint(complaint)
    calendar = book.calendar_of(policy)
    deadlines.apply(complaint, action=action, policy=policy, calendar=calendar, now=now)
    # Only deadlines computed on the calendar count (a promised reply is a date someone typed).
    computed = (getattr(complaint, column) for column in deadlines.TARGET_COLUMNS.values())
    missing = calendar.unloaded_years(now, *computed)
    if missing and years.ensure_loaded(calendar.calendar_id, missing, now=now):
        # A deadline reached a year the calendar did not have: it is loaded now (provisional,
        # from the holidays package) and the deadlines are computed again with its holidays.
        book = rulebook.rulebook()
        policy = book.for_complaint(complaint)
        deadlines.apply(
            complaint, action=action, policy=policy, calendar=book.calendar_of(policy), now=now
        )


# Moves after which the person who asked for a remedy approval may no longer handle the
# complaint (a higher tier, another handler or department): their pending request lapses.
REMEDY_LAPSING_ACTIONS = frozenset({"escalate", "assign"})


@receiver(complaint_changed, dispatch_uid="escalation.follow_lifecycle")
def follow_lifecycle(
    sender, complaint, action, by, reason, source, target, context=None, **kwargs
) -> None:
    _follow_one(complaint, action, by, reason, source, target, context)
    if _may_lapse_remedy(action, source, target):
        from escalation.services import lapse_remedy_approvals

        lapse_remedy_approvals([complaint], by=by)


def _may_lapse_remedy(action: str, source, target) -> bool:
    # A remedy request exists only while the complaint is assigned: no lookup for other moves.
    return source == State.ASSIGNED and (
        action in REMEDY_LAPSING_ACTIONS or target != State.ASSIGNED
    )


def _follow_one(complaint, action, by, reason, source, target, context=None) -> None:
    if action == "escalate":
        record_escalation(complaint, by=by, reason=reason, context=context)
    elif action in ("register", "classify", "priority") and complaint.priority == Priority.MAJOR:
        # 重大投诉: reported to the general manager on receipt (or when classified as major,
        # or raised to major later).
        # One notice per complaint, whichever comes first.
        notify.create(
            kind="major",
            complaint=complaint,
            roles=[notify.GM],
            key=f"major:{complaint.pk}",
            actor=by,
        )
    elif action == "approve_remedy":
        notify.create(
            kind="remedy-approved",
            complaint=complaint,
            roles=[notify.ASSIGNEE],
            key=f"remedy-approved:{complaint.pk}:{complaint.version}",
            context={
                "amount": str(complaint.remedy_approved_amount),
                "approved_by": display_name(by),
            },
            actor=by,
            dedupe=False,
        )
        from escalation.services import settle_remedy_approval

        settle_remedy_approval(complaint, by=by, reason=reason)
    if source in HANDLING_STATES and target not in HANDLING_STATES:
        from escalation.services import close_open_requests

        close_open_requests(complaint, by=by)


@receiver(complaints_changed, dispatch_uid="escalation.follow_lifecycle_in_bulk")
def follow_lifecycle_in_bulk(
    sender, complaints, action, by, reasons, sources, contexts=None, **kwargs
) -> None:
    """The same as ``follow_lifecycle`` for each complaint, with one INSERT for the escalation
    records and one for their notices (the sweep escalates hundreds at once)."""
    from escalation.services import lapse_remedy_approvals

    # Pending remedy requests of the whole batch are looked up in one query, not one each.
    lapsing = [c for c in complaints if _may_lapse_remedy(action, sources[c.pk], c.state)]
    if action != "escalate":
        for complaint in complaints:
            _follow_one(
                complaint,
                action,
                by,
                reasons[complaint.pk],
                sources[complaint.pk],
                complaint.state,
                (contexts or {}).get(complaint.pk),
            )
        if lapsing:
            lapse_remedy_approvals(lapsing, by=by)
        return
    pending = [
        (complaint, reasons[complaint.pk], _context((contexts or {}).get(complaint.pk), by))
        for complaint in complaints
    ]
    records = Escalation.objects.bulk_create(
        [_escalation(complaint, by, reason, context) for complaint, reason, context in pending]
    )
    notify.create_many(
        [
            notice
            for (complaint, reason, context), escalation in zip(pending, records, strict=True)
            for notice in _escalation_notices(complaint, escalation, by, reason, context)
        ]
    )
    for (complaint, _reason, context), escalation in zip(pending, records, strict=True):
        _tell_complainant(complaint, escalation, context)
    lapse_remedy_approvals(lapsing, by=by)


def record_escalation(
    complaint, *, by, reason: str, context: EscalationContext | None = None
) -> Escalation:
    context = _context(context, by)
    escalation = _escalation(complaint, by, reason, context)
    escalation.save(force_insert=True)
    notify.create_many(_escalation_notices(complaint, escalation, by, reason, context))
    _tell_complainant(complaint, escalation, context)
    return escalation


def _tell_complainant(complaint, escalation, context: EscalationContext) -> None:
    """超出处理权限: report upward and tell the complainant, through correspondence's outbox
    (by the complainant's best channel), when the person escalating asked for it."""
    if context.tell_complainant:
        complainant_notice_requested.send(
            sender=Escalation,
            complaint=complaint,
            purpose="escalation",
            key=f"escalation:{escalation.pk}",
            context={},
        )


def _context(context: EscalationContext | None, by) -> EscalationContext:
    """The caller's context, or (an escalation from the core's own pages, which pass none) a
    manual one for a user, a deadline one for the system."""
    return context or EscalationContext(
        cause=EscalationCause.MANUAL if by is not None else EscalationCause.DEADLINE
    )


def _escalation(complaint, by, reason: str, context: EscalationContext) -> Escalation:
    return Escalation(
        complaint=complaint,
        from_tier=TIER_ORDER[TIER_ORDER.index(complaint.tier) - 1],
        to_tier=complaint.tier,
        cause=context.cause,
        trigger=context.trigger,
        due_at=context.due_at,
        reason_code=context.reason_code,
        reason=reason,
        by=by,
        created_at=complaint.escalated_at or timezone.now(),
    )


def _escalation_notices(complaint, escalation, by, reason: str, context) -> list:
    # The new owner (the department manager, or the general manager), the department's
    # manager, who is jointly accountable once a complaint reaches the second tier, and the
    # department's complaint handler, who keeps the unit's complaints in view.
    roles = [notify.DEPT_HANDLER, notify.DEPT_MANAGER] + (
        [notify.GM] if complaint.tier == TIER_ORDER[-1] else []
    )
    notices = [
        notify.prepare(
            kind="escalated",
            complaint=complaint,
            roles=roles,
            key=f"escalated:{escalation.pk}",
            context={
                "from_tier": escalation.from_tier,
                "to_tier": complaint.tier,
                "cause": context.cause,
                "trigger": context.trigger,
                "due_at": context.due_at,
                "reason": reason,
                "by": display_name(by),
            },
            actor=by,
        )
    ]
    return notices


# Policies and calendars are cached (escalation.rulebook); any change to them drops the cache.
for model in (SlaPolicy, WorkCalendar, CalendarDay, CalendarYear, Category):
    post_save.connect(
        rulebook.invalidate, sender=model, dispatch_uid=f"rules-save-{model.__name__}"
    )
    post_delete.connect(
        rulebook.invalidate, sender=model, dispatch_uid=f"rules-delete-{model.__name__}"
    )


@receiver(complaint_changed, dispatch_uid="escalation.tell_responsible_person")
def tell_responsible_person(sender, complaint, action, by, **kwargs) -> None:
    """责任认定: a person named responsible at resolution is told, through the staff outbox,
    with the finding (they may contest it once). A later resolution (after a reopen) that names
    someone again is a new finding and a new notice."""
    if action != "resolve" or not complaint.responsible_person_id:
        return
    notify.create(
        kind="responsibility-found",
        complaint=complaint,
        roles=[notify.user_role(complaint.responsible_person)],
        key=f"responsibility:{complaint.pk}:{complaint.version}",
        context={
            "finding": complaint.responsibility_finding,
            "found_by": display_name(by),
            "department": str(complaint.responsible_department or ""),
        },
        actor=by,
        dedupe=False,
    )
