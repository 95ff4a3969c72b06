"""Write actions of the escalation app: escalating by hand, stopping and restarting the SLA clock,
extending the resolution deadline, asking for (and refusing) a remedy approval.

Each one locks the complaint row, checks who is acting and the state, writes its own record and
changes deadline columns only through ``complaints.services`` (``escalate`` for the tier,
``set_deadlines`` for due times), so every change has a history row naming the user and reason.
Anything raised rolls the whole action back.

One module per concern: ``common`` (who may act, shared checks), ``manual`` (escalating by
hand), ``clock`` (pause and resume), ``extensions``, ``remedies`` (authority limits),
``recompute`` (when the rules change) and ``lifecycle`` (reactions to the complaint's moves,
called from ``escalation.signals``). Every public name is re-exported here:
``from escalation import services; services.resume(...)``.
"""

from __future__ import annotations

from escalation.services.clock import (
    decide_pause,
    request_pause,
    resume,
)
from escalation.services.common import (
    DECIDED,
    ENDED,
    NoLongerDue,
    approver_roles,
    may_approve,
    may_handle,
    policy_and_calendar,
    policy_of,
    require_handler,
    require_running,
    save_record,
)
from escalation.services.extensions import (
    decide_extension,
    request_extension,
)
from escalation.services.lifecycle import close_open_requests
from escalation.services.manual import escalate_by_hand
from escalation.services.recompute import (
    RECOMPUTED_COLUMNS,
    recompute_open_deadlines,
)
from escalation.services.remedies import (
    lapse_remedy_approvals,
    may_decide_remedy,
    refuse_remedy_approval,
    remedy_approver_tier,
    request_remedy_approval,
    settle_remedy_approval,
)

__all__ = [
    "NoLongerDue",
    "may_handle",
    "may_approve",
    "approver_roles",
    "policy_and_calendar",
    "policy_of",
    "require_handler",
    "require_running",
    "DECIDED",
    "ENDED",
    "save_record",
    "escalate_by_hand",
    "request_pause",
    "decide_pause",
    "resume",
    "request_extension",
    "decide_extension",
    "RECOMPUTED_COLUMNS",
    "recompute_open_deadlines",
    "remedy_approver_tier",
    "request_remedy_approval",
    "may_decide_remedy",
    "refuse_remedy_approval",
    "settle_remedy_approval",
    "lapse_remedy_approvals",
    "close_open_requests",
]
