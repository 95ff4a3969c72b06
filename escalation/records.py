"""Why a complaint was escalated: what the caller of ``complaints.services.escalate`` (or
``escalate_many``) knows and the lifecycle does not. The caller passes it as ``context=`` (or as
the third item of each ``escalate_many`` item); the core hands it, unread, to the receivers of
``complaint_changing``/``complaint_changed`` (``context=``) and ``complaints_changed``
(``contexts={id: context}``), and ``escalation.signals`` writes it into the ``Escalation``
record and its notices."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class EscalationContext:
    cause: str  # EscalationCause
    reason_code: str = ""
    trigger: str = ""
    due_at: dt.datetime | None = None
    # Set by the sweep: the next_due_at it read. Under the row lock the complaint must still
    # show it, unpaused and with the deadline still running, or the sweep's check refuses it.
    seen_next_due_at: dt.datetime | None = None
    tell_complainant: bool = False
