"""Which deadlines a complaint has, which of them still run, and the earliest one the sweep must
act on (``next_due_at``).

The rules, with the DOMAIN.md reason for each:

- Each target of the matching policy counts from the event its policy names (``*_from``):
  receipt, acceptance (classification, 受理), assignment (the latest) or resolution. The seeds
  follow DOMAIN.md: the acceptance decision and the first reply from receipt, handling from
  acceptance for the government office (自受理之日起: "30 working days" starts the day it was
  accepted, not received), follow-up (回访) from resolution. A target whose event has not
  happened yet has no deadline; it gets one, from that event's time, when the event happens.
  A promised reply time given at intake is a deadline too ("the promise is kept").
- A complaint transferred from a regulator or hotline platform carries the platform's reply
  deadline (``external_due_at``): acceptance, first response and resolution end no later than
  it (``platform_capped``); without a policy clock it is the resolution deadline itself.
- Classification may change the priority, category or department and so the policy: every
  deadline still owed is recomputed from its own start (unless an extension was granted: an
  approved date is a promise to the complainant). Reopening starts a new resolution deadline.
- The same recomputation runs for open complaints when a policy is edited or a calendar year
  is loaded or confirmed (``escalation.years``), written with history.
- Each tier may hold a complaint for its policy budget, counted from when it reached the tier
  (``escalated_at``, or ``received_at`` for the tier it started at).
- Escalation consumes the deadlines missed before it: the new tier is not escalated again for
  the same miss, only for a deadline that falls after it arrived, or for its own budget. At the
  general manager's tier there is no one above, so a deadline already past is not "next".
- A paused clock has no next deadline; on resume each deadline that was still running when the
  clock stopped moves back by the pause (working time for working-time units). A promised reply
  never moves: the complainant was given that date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from complaints.models import HANDLING_STATES, TIER_ORDER, State
from escalation.calendar import WorkingCalendar, shift_for_pauses
from escalation.models import DEFAULT_STARTS, START_COLUMNS, TARGETS, Start, Trigger
from escalation.rulebook import Policy

Pauses = list[tuple[dt.datetime, dt.datetime]]

# The due-time column of each policy target.
TARGET_COLUMNS = {
    "acceptance": "acceptance_due_at",
    "first_response": "first_response_due_at",
    "resolution": "resolution_due_at",
    "follow_up": "follow_up_due_at",
}
# The lifecycle action at which each start event happens.
START_ACTIONS = {
    "classify": Start.ACCEPTED,
    "assign": Start.ASSIGNED,
    "resolve": Start.RESOLVED,
    # An appeal against a refusal is resolved by its decision: the follow-up counts from it.
    "decide_refusal_appeal": Start.RESOLVED,
}

# The column each running deadline lives in, and the policy target that sets its unit.
COLUMNS = {
    Trigger.ACCEPTANCE: ("acceptance_due_at", "acceptance"),
    Trigger.FIRST_RESPONSE: ("first_response_due_at", "first_response"),
    Trigger.PROMISED_REPLY: ("promised_reply_at", None),
    Trigger.RESOLUTION: ("resolution_due_at", "resolution"),
}


class LazyPauses:
    """A complaint's finished pauses, read from the database only if a computation needs them
    (most moves of most complaints never do)."""

    def __init__(self, complaint, loaded: Pauses | None = None) -> None:
        self.complaint = complaint
        self._loaded = loaded

    def __call__(self) -> Pauses:
        if self._loaded is None:
            from escalation.models import ClockPause

            if self.complaint.pk is None:
                self._loaded = []
            else:
                self._loaded = list(
                    ClockPause.objects.filter(
                        complaint_id=self.complaint.pk, status=ClockPause.Status.ENDED
                    )
                    .order_by("started_at")
                    .values_list("started_at", "ended_at")
                )
        return self._loaded


def due(calendar: WorkingCalendar, start: dt.datetime, target: tuple[int, str] | None):
    if target is None or start is None:
        return None
    return calendar.add(start, *target)


def tier_entered_at(complaint) -> dt.datetime:
    if complaint.escalation_count and complaint.escalated_at:
        return complaint.escalated_at
    return complaint.received_at


def tier_due_at(
    complaint, policy: Policy | None, calendar: WorkingCalendar, pauses: Callable[[], Pauses]
) -> dt.datetime | None:
    if policy is None:
        return None
    budget = policy.budgets.get(complaint.tier)
    if budget is None:
        return None
    entered = tier_entered_at(complaint)
    deadline = calendar.add(entered, *budget)
    return shift_for_pauses(calendar, deadline, budget[1], [p for p in pauses() if p[0] >= entered])


def running(
    complaint, policy: Policy | None, calendar: WorkingCalendar, pauses: Callable[[], Pauses]
) -> dict[str, dt.datetime]:
    """The deadlines still owed in the complaint's current state, by trigger."""
    found: dict[str, dt.datetime] = {}
    if complaint.state not in HANDLING_STATES:
        return found
    if complaint.state == State.RECEIVED and complaint.acceptance_due_at:
        found[Trigger.ACCEPTANCE] = complaint.acceptance_due_at
    if complaint.first_response_at is None:
        if complaint.first_response_due_at:
            found[Trigger.FIRST_RESPONSE] = complaint.first_response_due_at
        if complaint.promised_reply_at:
            found[Trigger.PROMISED_REPLY] = complaint.promised_reply_at
    if complaint.resolution_due_at:
        found[Trigger.RESOLUTION] = complaint.resolution_due_at
    tier_due = tier_due_at(complaint, policy, calendar, pauses)
    if tier_due is not None:
        found[Trigger.TIER_BUDGET] = tier_due
    return found


def actionable(complaint, deadlines: dict[str, dt.datetime], now: dt.datetime) -> dict:
    """Drop deadlines an escalation already answered, and at the top tier those already past."""
    entered = tier_entered_at(complaint)
    top = complaint.tier == TIER_ORDER[-1]
    return {
        trigger: when
        for trigger, when in deadlines.items()
        if when > entered and not (top and when <= now)
    }


def next_due(
    complaint,
    policy: Policy | None,
    calendar: WorkingCalendar,
    now: dt.datetime,
    pauses: Callable[[], Pauses],
) -> dt.datetime | None:
    if complaint.clock_paused_at is not None:
        return None
    if complaint.state == State.RESOLVED:
        # Shown on "due soon" lists; the sweep's partial index leaves resolved complaints out.
        return complaint.follow_up_due_at
    found = actionable(complaint, running(complaint, policy, calendar, pauses), now)
    return min(found.values()) if found else None


def first_due(
    complaint,
    policy: Policy | None,
    calendar: WorkingCalendar,
    now: dt.datetime,
    pauses: Callable[[], Pauses],
) -> tuple[str, dt.datetime] | None:
    """The trigger and time of the earliest actionable deadline (ties: the listed order)."""
    if complaint.clock_paused_at is not None:
        return None
    found = actionable(complaint, running(complaint, policy, calendar, pauses), now)
    if not found:
        return None
    trigger = min(found, key=lambda name: found[name])
    return trigger, found[trigger]


def start_of(policy: Policy | None, target: str) -> str:
    return policy.start_of(target) if policy is not None else str(DEFAULT_STARTS[target])


def started_at(complaint, policy: Policy | None, target: str) -> dt.datetime | None:
    """When ``target``'s clock started, or None if its start event has not happened."""
    return getattr(complaint, START_COLUMNS[start_of(policy, target)])


def owed(complaint, target: str) -> bool:
    """Whether ``target`` is still to be met in the complaint's state (a met deadline keeps
    the due time it was met against; an approved extension or a reopening set a date that a
    recomputation must not undo)."""
    handling = complaint.state in HANDLING_STATES
    if target == "acceptance":
        return complaint.state == State.RECEIVED
    if target == "first_response":
        return handling and complaint.first_response_at is None
    if target == "resolution":
        return handling and not complaint.extension_count and not complaint.reopen_count
    return complaint.state == State.RESOLVED


def compute(
    complaint,
    policy: Policy | None,
    calendar: WorkingCalendar,
    target: str,
    pauses: Callable[[], Pauses],
) -> dt.datetime | None:
    """``target``'s deadline counted from its start event, moved by the finished pauses after
    that event (a pause before acceptance does not lengthen the handling time limit)."""
    spec = policy.targets.get(target) if policy else None
    start = started_at(complaint, policy, target)
    deadline = due(calendar, start, spec)
    if deadline is None:
        # No clock of ours (no policy target, or its start event has not happened): a
        # transferring platform's deadline is still the resolution's.
        return getattr(complaint, "external_due_at", None) if target == "resolution" else None
    later = [(max(begin, start), end) for begin, end in pauses() if end > start]
    return platform_capped(complaint, target, shift_for_pauses(calendar, deadline, spec[1], later))


# The targets a transferring platform's reply deadline bounds: everything up to the answer. The
# follow-up comes after the answer and is ours alone.
CAPPED_TARGETS = ("acceptance", "first_response", "resolution")


def platform_capped(complaint, target: str, deadline: dt.datetime) -> dt.datetime:
    """A complaint transferred from a regulator or hotline platform (12345) must be answered by
    the platform's deadline (``external_due_at``): no clock up to the answer may end after it,
    so the earlier of the policy's deadline and the platform's counts. Pauses do not move the
    platform's deadline either: the platform does not know of them."""
    platform_due = getattr(complaint, "external_due_at", None)
    if platform_due is None or target not in CAPPED_TARGETS:
        return deadline
    return min(deadline, platform_due)


def recompute(
    complaint,
    policy: Policy | None,
    calendar: WorkingCalendar,
    pauses: Callable[[], Pauses],
    targets=TARGETS,
) -> None:
    """Set each of ``targets`` still owed from its own start event under ``policy``."""
    for target in targets:
        if owed(complaint, target):
            setattr(
                complaint,
                TARGET_COLUMNS[target],
                compute(complaint, policy, calendar, target, pauses),
            )


def apply(complaint, *, action: str, policy, calendar, now: dt.datetime, pauses=None) -> None:
    """Set the due-time columns on ``complaint`` for ``action`` (not saved: the caller saves)."""
    if pauses is None:
        # A new complaint, or a tier entered just now, has no finished pause that matters:
        # skip the query (the sweep escalates a thousand complaints in a row).
        fresh_start = action in ("register", "escalate")
        pauses = LazyPauses(complaint, loaded=[] if fresh_start else None)
    targets = policy.targets if policy else {}
    if action == "accept_on_appeal":
        # A refusal overturned on appeal (不予受理复查): the complaint is accepted only now, so
        # the first reply and the handling time limit count from now, whatever the policy counts
        # them from (its receipt may be weeks ago).
        for target in ("first_response", "resolution"):
            if owed(complaint, target):
                setattr(complaint, TARGET_COLUMNS[target], due(calendar, now, targets.get(target)))
    elif action in ("register", "classify", "priority"):
        # Classification or a new priority may change the policy: everything still owed, from
        # its own start.
        recompute(complaint, policy, calendar, pauses)
    elif action == "reopen":
        complaint.resolution_due_at = due(calendar, now, targets.get("resolution"))
        complaint.follow_up_due_at = None
    elif action in START_ACTIONS:
        # The event some targets count from happened now: their clocks start.
        event = START_ACTIONS[action]
        recompute(
            complaint,
            policy,
            calendar,
            pauses,
            targets=[t for t in TARGETS if start_of(policy, t) == event],
        )
    if complaint.state not in HANDLING_STATES:
        # Resolved, closed, rejected, withdrawn: nothing left to wait for.
        complaint.clock_paused_at = None
    complaint.next_due_at = next_due(complaint, policy, calendar, now, pauses)
