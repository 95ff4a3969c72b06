"""Reads of the escalation app. Every complaint list starts from the one visibility function."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from complaints import rules, selectors
from complaints.models import HANDLING_STATES, Complaint, State
from escalation import deadlines, years
from escalation.calendar import DayKind
from escalation.models import (
    CalendarDay,
    CalendarYear,
    ClockPause,
    Escalation,
    ExtensionRequest,
    RemedyApproval,
    Start,
    Trigger,
    WorkCalendar,
)
from escalation.rulebook import rulebook
from escalation.services import may_approve


def due_soon_for(user, *, now: dt.datetime, hours: int, limit: int = 200) -> QuerySet[Complaint]:
    """Complaints ``user`` may see whose next deadline has passed or falls within ``hours``,
    the most urgent first. The filter implies the predicate of ``cmp_sla_sweep_idx``, so this
    reads the index of running clocks, not the table."""
    return (
        selectors.complaints_visible_to(user)
        .filter(
            state__in=HANDLING_STATES,
            next_due_at__isnull=False,
            next_due_at__lte=now + dt.timedelta(hours=hours),
        )
        .with_list_relations()
        .order_by("next_due_at", "id")[:limit]
    )


def stopped_clocks_for(user, limit: int = 100) -> QuerySet[ClockPause]:
    """Active pauses on complaints ``user`` may see (partial index ``pause_active_idx``)."""
    return (
        ClockPause.objects.filter(
            status=ClockPause.Status.ACTIVE,
            complaint__in=selectors.complaints_visible_to(user),
        )
        .select_related("complaint", "complaint__department", "requested_by")
        .order_by("planned_until")[:limit]
    )


def pending_requests_for(user) -> tuple[list[ClockPause], list[ExtensionRequest]]:
    """Pauses and extensions waiting for a decision that ``user`` may take."""
    visible = selectors.complaints_visible_to(user)
    pauses = (
        ClockPause.objects.filter(status=ClockPause.Status.REQUESTED, complaint__in=visible)
        .select_related("complaint", "complaint__department", "requested_by")
        .order_by("requested_at")[:200]
    )
    extensions = (
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.REQUESTED, complaint__in=visible
        )
        .select_related("complaint", "complaint__department", "requested_by")
        .order_by("requested_at")[:200]
    )
    return (
        [p for p in pauses if may_approve(p.complaint, user) and p.requested_by_id != user.pk],
        [e for e in extensions if may_approve(e.complaint, user) and e.requested_by_id != user.pk],
    )


def pending_remedy_approvals_for(user, limit: int = 200) -> list[RemedyApproval]:
    """Remedy approvals waiting for ``user``'s tier on complaints they may see, oldest first:
    the rows behind the approvals queue's remedy part (``escalation.queues``), one query."""
    tier = rules.tier_of(user)
    if tier not in (rules.MANAGER, rules.GM) or not selectors.may_write(user):
        return []
    return list(
        RemedyApproval.objects.filter(
            status=RemedyApproval.Status.PENDING,
            approver_tier=tier,
            complaint__in=selectors.complaints_visible_to(user),
        )
        .exclude(requested_by_id=user.pk)
        .exclude(complaint__subject_person_id=user.pk)
        .select_related("complaint", "complaint__department", "requested_by")
        .order_by("requested_at", "id")[:limit]
    )


def sla_records_for(complaint: Complaint) -> dict:
    """The complaint's escalations, pauses and extensions, for its deadlines page."""
    return {
        "escalations": list(complaint.escalations.select_related("by").order_by("created_at")),
        "pauses": list(
            complaint.clock_pauses.select_related("requested_by", "decided_by", "ended_by")
        ),
        "extensions": list(complaint.extensions.select_related("requested_by", "decided_by")),
    }


# The policy target behind each row of the deadlines page, and the column it is stored in.
TRIGGER_TARGETS = {
    Trigger.ACCEPTANCE: "acceptance",
    Trigger.FIRST_RESPONSE: "first_response",
    Trigger.RESOLUTION: "resolution",
    "follow_up": "follow_up",
}
DUE_OF = {
    Trigger.ACCEPTANCE: "acceptance_due_at",
    Trigger.FIRST_RESPONSE: "first_response_due_at",
    Trigger.PROMISED_REPLY: "promised_reply_at",
    Trigger.RESOLUTION: "resolution_due_at",
    "follow_up": "follow_up_due_at",
}


def deadline_board(complaint: Complaint, *, now: dt.datetime) -> list[dict]:
    """Each deadline of the complaint with its state: met, late (met after it passed),
    running, missed, paused, lapsed (no longer applies), or waiting (its start event has not
    happened: no date yet); ``next`` marks the one the sweep watches, ``counts_from`` the event
    it counts from, ``provisional`` a date counted in working time that falls in a calendar
    year not yet confirmed."""
    book = rulebook()
    policy = book.for_complaint(complaint)
    calendar = book.calendar_of(policy)
    provisional = years.provisional_columns(complaint, book)
    rows = []
    for key, label, due, done, applies in _deadlines_of(complaint, policy, calendar):
        row = _board_row(complaint, policy, key, label, due, done, applies, now=now)
        if row is not None:
            row["provisional"] = due is not None and _is_provisional(
                complaint, policy, calendar, provisional, key, due
            )
            rows.append(row)
    return rows


def _deadlines_of(complaint: Complaint, policy, calendar) -> list[tuple]:
    """(key, label, due, done, applies) of each deadline the board shows, in order."""
    handling = complaint.state in HANDLING_STATES
    rows = [
        (
            Trigger.ACCEPTANCE,
            _("Accept or reject"),
            complaint.acceptance_due_at,
            complaint.classified_at or complaint.rejected_at,
            complaint.state == State.RECEIVED,
        ),
        (
            Trigger.FIRST_RESPONSE,
            _("First reply"),
            complaint.first_response_due_at,
            complaint.first_response_at,
            handling,
        ),
        (
            Trigger.PROMISED_REPLY,
            _("Promised reply"),
            complaint.promised_reply_at,
            complaint.first_response_at,
            handling,
        ),
        (
            Trigger.RESOLUTION,
            _("Resolution"),
            complaint.resolution_due_at,
            None if handling else complaint.resolved_at,
            handling,
        ),
        (
            "follow_up",
            _("Follow-up"),
            complaint.follow_up_due_at,
            complaint.followed_up_at,
            complaint.state in (State.RESOLVED, *HANDLING_STATES),
        ),
    ]
    if handling:
        tier_due = deadlines.tier_due_at(
            complaint, policy, calendar, deadlines.LazyPauses(complaint)
        )
        rows.append(
            (
                Trigger.TIER_BUDGET,
                _("Time allowed at the %(tier)s tier") % {"tier": complaint.get_tier_display()},
                tier_due,
                None,
                True,
            )
        )
    return rows


def _board_row(
    complaint: Complaint, policy, key, label, due, done, applies: bool, *, now: dt.datetime
) -> dict | None:
    """One row of the board (without ``provisional``); None for a deadline with no date that
    is not waiting for its start event either."""
    target = TRIGGER_TARGETS.get(key)
    counts_from = Start(deadlines.start_of(policy, target)) if target else None
    if target == "resolution" and (complaint.reopen_count or complaint.extension_count):
        counts_from = None  # a reopening or an approved extension set this date
    paused = complaint.clock_paused_at is not None
    if due is None:
        # A target whose start event has not happened yet: shown, not computed.
        waiting = (
            applies
            and target
            and policy is not None
            and target in policy.targets
            and deadlines.started_at(complaint, policy, target) is None
        )
        if not waiting:
            return None
        status = "waiting"
    elif done is not None:
        status = "met" if done <= due else "late"
    elif not applies:
        status = "lapsed"
    elif paused:
        status = "paused"
    else:
        status = "missed" if due <= now else "running"
    return {
        "key": key,
        "label": label,
        "due": due,
        "done": None if due is None else done,
        "status": status,
        "next": due is not None and due == complaint.next_due_at and not paused,
        "counts_from": counts_from,
    }


def _is_provisional(complaint: Complaint, policy, calendar, provisional, key, due) -> bool:
    return DUE_OF.get(key) in provisional or (
        key == Trigger.TIER_BUDGET
        and years.tier_budget_counts_working_time(complaint, policy)
        and calendar.is_provisional(due)
    )


def breach_counts_for(
    user, *, since: dt.datetime, until: dt.datetime, now: dt.datetime
) -> list[dict]:
    """``breach_counts_by_department`` over the complaints ``user`` may see
    (``complaints_visible_to``). A department manager's table is their department's: the
    unrouted intake queue they also see belongs to no department yet, so it has no row there."""
    visible = selectors.complaints_visible_to(user)
    if rules.tier_of(user) == rules.MANAGER:
        visible = visible.filter(department__isnull=False)
    return breach_counts_by_department(since=since, until=until, now=now, complaints=visible)


def breach_counts_by_department(
    *,
    since: dt.datetime,
    until: dt.datetime,
    now: dt.datetime,
    complaints: QuerySet[Complaint],
) -> list[dict]:
    """Per handling department, of the complaints received in [since, until) (of
    ``complaints``, a queryset built on ``complaints_visible_to``): how many,
    and how many missed their acceptance, first-reply and resolution deadlines, were escalated,
    and were given extensions. One aggregate query, served by the received_at index.

    A deadline is missed if the milestone came after it, or if it has passed and the complaint
    is still waiting for that milestone.
    """
    handling = Q(state__in=HANDLING_STATES)
    acceptance = Q(acceptance_due_at__isnull=False) & (
        Q(classified_at__gt=F("acceptance_due_at"))
        | Q(rejected_at__gt=F("acceptance_due_at"))
        | Q(state=State.RECEIVED, acceptance_due_at__lt=now)
    )
    first_response = Q(first_response_due_at__isnull=False) & (
        Q(first_response_at__gt=F("first_response_due_at"))
        | handling & Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    )
    resolution = Q(resolution_due_at__isnull=False) & (
        handling & Q(resolution_due_at__lt=now)
        | ~handling & Q(resolved_at__gt=F("resolution_due_at"))
    )
    rows = (
        complaints.filter(received_at__gte=since, received_at__lt=until)
        .values("department_id", "department__name")
        .annotate(
            complaints=Count("id"),
            acceptance_missed=Count("id", filter=acceptance),
            first_response_missed=Count("id", filter=first_response),
            resolution_missed=Count("id", filter=resolution),
            escalated=Count("id", filter=Q(escalation_count__gt=0)),
            extensions=Coalesce(Sum("extension_count"), 0),
        )
        .order_by("department__name")
    )
    return list(rows)


def escalations_by_cause(user, *, since: dt.datetime, until: dt.datetime) -> list[dict]:
    """Escalations in [since, until) of the complaints ``user`` may see, by department, target
    tier and cause (index ``esc_created_idx``)."""
    return list(
        Escalation.objects.filter(
            complaint__in=selectors.complaints_visible_to(user),
            created_at__gte=since,
            created_at__lt=until,
        )
        .values("complaint__department_id", "to_tier", "cause")
        .annotate(count=Count("id"))
        .order_by("complaint__department_id", "to_tier", "cause")
    )


# --- the working calendar, as other apps read it ---------------------------------------------


@dataclass(frozen=True)
class WorkingCalendarView:
    """The default working calendar as plain values, for apps that must not read escalation's
    tables (reporting flattens it into its own ``WorkingDay`` cache, ``reporting.workdays``)."""

    opens: dt.time  # business hours start
    closes: dt.time  # business hours end
    weekend: frozenset[int]  # ISO weekdays off
    exceptions: dict[dt.date, bool]  # date → worked? (holidays and closures False, 调休 True)


def default_working_calendar(first: dt.date, last: dt.date) -> WorkingCalendarView | None:
    """The default calendar with its exceptions from ``first`` to ``last``, or None when no
    calendar is the default (two queries: the calendar, then its days)."""
    calendar = WorkCalendar.objects.filter(is_default=True).order_by("id").first()
    if calendar is None:
        return None
    days = CalendarDay.objects.filter(calendar=calendar, day__gte=first, day__lte=last)
    return WorkingCalendarView(
        opens=calendar.opens,
        closes=calendar.closes,
        weekend=calendar.weekend_days(),
        exceptions={day: kind == DayKind.WORKDAY for day, kind in days.values_list("day", "kind")},
    )


def working_calendar_models() -> tuple[type, ...]:
    """The models whose saves or deletes change ``default_working_calendar`` (a year loaded or
    confirmed, a day corrected, the hours changed): receivers of a cache connect to these."""
    return (WorkCalendar, CalendarDay, CalendarYear)
