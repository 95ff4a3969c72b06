"""The SLA sweep: every minute (django-q2 schedule "sla-sweep", or ``manage.py sweep_sla``).

1. One query on the partial index ``cmp_sla_sweep_idx`` finds complaints in a handling state
   whose ``next_due_at`` has passed or falls within ``ESCALATION_WARN_MINUTES``.
2. The missed ones are escalated through ``complaints.services.escalate_many`` (by=None: the
   system), a chunk of them per transaction. The row locks (a row someone holds is skipped,
   not waited for), the version check and the sweep's own check (``refuse_if_no_longer_due``,
   passed as ``check=``: the locked row must still show the same missed deadline, unpaused)
   make a second sweep — or two sweeps at once — escalate each miss once.
   At the general manager's tier there is no one above: the miss is recorded ("sla_breach"
   history row) and the GM and department manager are told, once.
3. Complaints about to miss a deadline: their handler is warned, once per deadline.
4. Pauses whose planned end passed are ended, so no clock stays stopped by neglect.
5. Notices that were not sent (a worker died, the mail server was down) are queued again.

All notices of a run go out as one django-q2 task after the run: each step returns the ids of
the notices it wrote (``notify.take_queued`` at the end of each transaction) and ``sweep``
queues them together.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from complaints import services as core
from complaints.locking import lock
from complaints.models import HANDLING_STATES, TIER_ORDER, Complaint, State
from complaints.services import ServiceError
from escalation import deadlines, notify
from escalation.models import ClockPause, EscalationCause, Notice, Trigger
from escalation.records import EscalationContext
from escalation.rulebook import RuleBook, rulebook
from escalation.services import NoLongerDue, resume

log = logging.getLogger(__name__)

# What the sweep reads of each complaint: enough to tell which deadline was missed without
# loading the wide row (descriptions, resolution texts) a thousand times.
SWEEP_FIELDS = [
    "id",
    "reference",
    "version",
    "state",
    "tier",
    "priority",
    "category_id",
    "department_id",
    "assignee_id",
    "received_at",
    "escalated_at",
    "escalation_count",
    "first_response_at",
    "acceptance_due_at",
    "first_response_due_at",
    "resolution_due_at",
    "promised_reply_at",
    "next_due_at",
    "clock_paused_at",
    "extension_count",
    # Which policy applies: an appeal against a refusal has its own (one look-up per appeal).
    "appeal_of_id",
]


@dataclass
class SweepReport:
    escalated: list[tuple[str, str, str, str]] = field(default_factory=list)
    breached_at_top: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def merge(self, other: SweepReport) -> None:
        for name in ("escalated", "breached_at_top", "warned", "resumed", "recomputed", "skipped"):
            getattr(self, name).extend(getattr(other, name))

    def summary(self) -> str:
        return (
            f"escalated {len(self.escalated)}, missed at top tier {len(self.breached_at_top)}, "
            f"warned {len(self.warned)}, clocks restarted {len(self.resumed)}, "
            f"recomputed {len(self.recomputed)}, skipped {len(self.skipped)}"
        )


def due_complaints(horizon: dt.datetime, limit: int) -> QuerySet[Complaint]:
    """THE sweep query. Its WHERE clause implies the predicate of the partial index
    ``cmp_sla_sweep_idx`` (state in the handling states, next_due_at not null), so PostgreSQL
    reads only the index entries up to ``horizon``, in order, however many closed complaints
    the table holds."""
    return (
        Complaint.objects.filter(
            state__in=HANDLING_STATES, next_due_at__isnull=False, next_due_at__lte=horizon
        )
        .order_by("next_due_at")
        .only(*SWEEP_FIELDS)[:limit]
    )


def sweep(now: dt.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    horizon = now + dt.timedelta(minutes=settings.ESCALATION_WARN_MINUTES)
    report = SweepReport()
    book = rulebook()
    # Reasons written into history are in the organisation's language, not a worker's locale.
    # The ids of every notice the run writes, sent by one task at its end.
    notices: list[int] = []
    with translation.override(settings.LANGUAGE_CODE):
        found = list(due_complaints(horizon, settings.ESCALATION_SWEEP_BATCH))
        notices += _escalate_all([c for c in found if c.next_due_at <= now], book, now, report)
        notices += _warn([c for c in found if c.next_due_at > now], book, report)
        notices += _expire_pauses(now, report)
        notices += _retry_unsent(now)
    notify.queue_as_one(notices)
    return report


def _escalate_all(
    missed: list[Complaint], book: RuleBook, now: dt.datetime, report: SweepReport
) -> list[int]:
    """Escalate the missed deadlines ``ESCALATION_SWEEP_CHUNK`` complaints per transaction
    through ``complaints.services.escalate_many``: the same checks as one escalation under
    each row lock, with one UPDATE, one history INSERT, one seal INSERT and one insert each for
    the escalation records and notices per chunk, where one at a time cost a dozen round trips
    and a savepoint each (8 ms an escalation; a chunk costs ≈1 ms a complaint)."""
    notices: list[int] = []
    pending: list[tuple[Complaint, str, EscalationContext]] = []
    for complaint in missed:
        found = identify(complaint, book)
        if found is None:
            _recompute(complaint, book, now, report)  # writes no notice
            continue
        trigger, due_at = found
        if complaint.tier == TIER_ORDER[-1]:
            notices += _missed_at_top(complaint, trigger, due_at, book, now, report)
            continue
        context = EscalationContext(
            cause=EscalationCause.DEADLINE,
            trigger=trigger,
            due_at=due_at,
            seen_next_due_at=complaint.next_due_at,
        )
        pending.append((complaint, missed_reason(trigger, due_at), context))
    size = settings.ESCALATION_SWEEP_CHUNK
    for start in range(0, len(pending), size):
        notices += _escalate_chunk(pending[start : start + size], report)
    return notices


def _escalate_chunk(
    chunk: list[tuple[Complaint, str, EscalationContext]], report: SweepReport
) -> list[int]:
    """One transaction of ``escalate_many``; returns the ids of the notices its receivers
    wrote (the escalation records' notices)."""
    with transaction.atomic():
        outcome = core.escalate_many(chunk, by=None, check=refuse_if_no_longer_due)
        notices = notify.take_queued()
    read = {complaint.pk: (complaint, context.trigger) for complaint, _r, context in chunk}
    for escalated in outcome.done:
        complaint, trigger = read[escalated.pk]
        report.escalated.append((complaint.reference, complaint.tier, escalated.tier, trigger))
    for pk, message in outcome.refused.items():
        # Held or changed by someone since the query, no longer due, or refused: the
        # next sweep reads it afresh.
        log.info("sweep skipped %s: %s", read[pk][0].reference, message)
        report.skipped.append(read[pk][0].reference)
    return notices


def refuse_if_no_longer_due(locked: Complaint, context: EscalationContext) -> None:
    """The sweep's rule, run by ``escalate_many`` under each row lock before the move: the
    reading the sweep escalates on must still hold. A pause, an extension or a logged first
    reply changes these without a version bump, so the version check alone would not see it."""
    trigger = context.trigger
    still = (
        locked.next_due_at == context.seen_next_due_at
        and locked.clock_paused_at is None
        and not (
            trigger in (Trigger.FIRST_RESPONSE, Trigger.PROMISED_REPLY)
            and locked.first_response_at is not None
        )
        and not (trigger == Trigger.ACCEPTANCE and locked.state != State.RECEIVED)
    )
    if not still:
        raise NoLongerDue(_("%(reference)s is no longer overdue.") % {"reference": locked})


def identify(complaint: Complaint, book: RuleBook) -> tuple[str, dt.datetime] | None:
    """Which running deadline ``next_due_at`` is (None: the stored value is stale).

    Pauses are read only when the answer without them does not match, which happens only for a
    tier budget that a pause pushed back.
    """
    policy = book.for_complaint(complaint)
    calendar = book.calendar_of(policy)
    entered = deadlines.tier_entered_at(complaint)
    for pauses in (deadlines.LazyPauses(complaint, loaded=[]), deadlines.LazyPauses(complaint)):
        found = {
            trigger: when
            for trigger, when in deadlines.running(complaint, policy, calendar, pauses).items()
            if when > entered
        }
        if found:
            trigger = min(found, key=lambda name: found[name])
            if found[trigger] == complaint.next_due_at:
                return trigger, found[trigger]
    return None


def missed_reason(trigger: str, due_at: dt.datetime) -> str:
    return _("%(deadline)s deadline missed (was due %(due)s)") % {
        "deadline": Trigger(trigger).label,
        "due": formats.date_format(timezone.localtime(due_at), "Y-m-d H:i"),
    }


def _locked_if_unchanged(complaint: Complaint) -> Complaint | None:
    locked = lock(complaint)
    if (
        locked.version != complaint.version
        or locked.next_due_at != complaint.next_due_at
        or locked.clock_paused_at is not None
    ):
        return None
    return locked


def _missed_at_top(
    complaint: Complaint,
    trigger: str,
    due_at: dt.datetime,
    book: RuleBook,
    now: dt.datetime,
    report: SweepReport,
) -> list[int]:
    """Record a miss at the top tier; returns the ids of the notices written."""
    with transaction.atomic():
        locked = _locked_if_unchanged(complaint)
        if locked is None:
            report.skipped.append(complaint.reference)
            return []
        policy = book.for_complaint(locked)
        calendar = book.calendar_of(policy)
        # At the top tier a deadline already past is not "next": the next one is in the future.
        following = deadlines.next_due(locked, policy, calendar, now, deadlines.LazyPauses(locked))
        core.set_deadlines(
            locked,
            by=None,
            action="sla_breach",
            reason=missed_reason(trigger, due_at),
            next_due_at=following,
        )
        notify.create(
            kind="breached",
            complaint=locked,
            roles=[notify.GM, notify.DEPT_MANAGER, notify.DEPT_HANDLER],
            key=f"breached:{locked.pk}:{trigger}:{due_at.isoformat()}",
            context={"trigger": trigger, "due_at": due_at},
        )
        notices = notify.take_queued()
    report.breached_at_top.append(complaint.reference)
    return notices


def _recompute(complaint: Complaint, book: RuleBook, now: dt.datetime, report: SweepReport) -> None:
    """``next_due_at`` no longer matches a running deadline (it was stored under rules that
    changed since, or the deadline it named stopped running): store the right value; the next
    sweep acts on it."""
    with transaction.atomic():
        locked = _locked_if_unchanged(complaint)
        if locked is None:
            report.skipped.append(complaint.reference)
            return
        policy = book.for_complaint(locked)
        calendar = book.calendar_of(policy)
        fresh = deadlines.next_due(locked, policy, calendar, now, deadlines.LazyPauses(locked))
        if fresh != locked.next_due_at:
            core.set_deadlines(
                locked,
                by=None,
                action="recompute",
                reason=_("Next deadline recomputed"),
                next_due_at=fresh,
            )
    report.recomputed.append(complaint.reference)


def _warn(complaints: list[Complaint], book: RuleBook, report: SweepReport) -> list[int]:
    """Tell each handler once per deadline that it is about to be missed; returns the ids of
    the notices written. Three queries for the whole batch: which keys exist, insert the new
    ones, read their ids."""
    if not complaints:
        return []
    keys = {f"due-soon:{c.pk}:{c.next_due_at.isoformat()}": c for c in complaints}
    seen = set(Notice.objects.filter(key__in=list(keys)).values_list("key", flat=True))
    fresh = []
    for key, complaint in keys.items():
        if key in seen:
            continue
        found = identify(complaint, book)
        fresh.append(
            Notice(
                key=key,
                kind="due-soon",
                complaint_id=complaint.pk,
                # Unassigned: the department's complaint handler first (its manager if none).
                recipients=[notify.ASSIGNEE if complaint.assignee_id else notify.DEPT_HANDLER],
                language=settings.LANGUAGE_CODE,
                context={
                    "trigger": found[0] if found else "",
                    "due_at": complaint.next_due_at.isoformat(),
                },
            )
        )
        report.warned.append(complaint.reference)
    if fresh:
        Notice.objects.bulk_create(fresh, ignore_conflicts=True)
        created = Notice.objects.filter(key__in=[n.key for n in fresh], sent_at=None)
        return list(created.values_list("pk", flat=True))
    return []


def _expire_pauses(now: dt.datetime, report: SweepReport) -> list[int]:
    """End the pauses whose planned end passed; returns the ids of the notices written."""
    notices: list[int] = []
    expired = ClockPause.objects.filter(
        status=ClockPause.Status.ACTIVE, planned_until__lte=now
    ).select_related("complaint")
    for pause in expired[:500]:
        try:
            with transaction.atomic():
                resume(pause.complaint, by=None, cause=ClockPause.EndCause.EXPIRED)
                taken = notify.take_queued()
        except ServiceError as exc:
            log.info("sweep could not restart %s: %s", pause.complaint.reference, exc.message)
            continue
        notices += taken
        report.resumed.append(pause.complaint.reference)
    return notices


def _retry_unsent(now: dt.datetime) -> list[int]:
    """The ids of notices a crashed worker or a mail outage left unsent, to send again."""
    stuck = Notice.objects.filter(
        sent_at=None,
        created_at__lt=now - dt.timedelta(minutes=2),
        attempts__lt=notify.MAX_ATTEMPTS,
    ).filter(Q(claimed_at=None) | Q(claimed_at__lt=now - notify.CLAIM_TIMEOUT))
    return list(stuck.order_by("created_at").values_list("pk", flat=True)[:500])
