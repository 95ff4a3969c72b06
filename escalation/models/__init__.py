"""SLA policies, the working-day calendar, and the records of escalations, clock pauses,
deadline extensions and the notifications they send, one module per concern:

- ``calendars``: working calendars, their exceptional days, the loaded years;
- ``policies``: SLA policies (targets, units, clock starts, tier budgets);
- ``escalations``: escalation records and their causes, triggers and manual reasons;
- ``requests``: pauses, extensions and remedy approvals decided by a manager;
- ``notices``: the staff notice outbox.

Every name is re-exported here (``from escalation.models import ClockPause``), and the models
keep their ``escalation`` app label and tables. The due times themselves are columns on
``complaints.Complaint`` (indexed there for the sweep); this app decides their values
(``escalation.signals``) and keeps the why and who here.
"""

from __future__ import annotations

from escalation.models.calendars import (
    DAY_KIND_CHOICES,
    DEFAULT_NAMES,
    CalendarDay,
    CalendarYear,
    WorkCalendar,
    shown_name,
    validate_time_zone,
    validate_weekend,
)
from escalation.models.escalations import (
    Escalation,
    EscalationCause,
    ManualReason,
    Trigger,
)
from escalation.models.notices import Notice
from escalation.models.policies import (
    ALLOWED_STARTS,
    BUDGETS,
    DEFAULT_STARTS,
    START_COLUMNS,
    TARGETS,
    UNIT_CHOICES,
    SlaPolicy,
    Start,
)
from escalation.models.requests import (
    ClockPause,
    DecidedRequest,
    ExtensionRequest,
    PauseReason,
    RemedyApproval,
)

__all__ = [
    "DAY_KIND_CHOICES",
    "validate_time_zone",
    "validate_weekend",
    "DEFAULT_NAMES",
    "shown_name",
    "WorkCalendar",
    "CalendarDay",
    "CalendarYear",
    "UNIT_CHOICES",
    "Start",
    "START_COLUMNS",
    "TARGETS",
    "DEFAULT_STARTS",
    "ALLOWED_STARTS",
    "BUDGETS",
    "SlaPolicy",
    "EscalationCause",
    "Trigger",
    "ManualReason",
    "Escalation",
    "DecidedRequest",
    "PauseReason",
    "ClockPause",
    "ExtensionRequest",
    "RemedyApproval",
    "Notice",
]
