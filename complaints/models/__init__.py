"""The core's models: the organisation (departments, staff tiers), the code lists (categories,
root causes) and the complaint with its lifecycle and its records.

Every write goes through ``complaints.services``, which locks the row, checks state, permission
and conditions, calls the transition and saves with the acting user and reason in history.

- ``complaint``: ``Complaint``, its ``State`` and the transition table (start here);
  ``complaint_indexes``: its indexes and constraints, each with the query it serves;
- ``choices``: the fixed choices of its fields (channel, priority, reasons, outcomes);
- ``organisation``: ``Tier``, ``Department``, ``StaffProfile``;
- ``catalogue``: ``Category`` and ``RootCause`` (two-level code lists);
- ``records``: ``Note``, ``Communication``, ``Attachment``;
- ``accountability``: ``ResponsibilityContest``;
- ``registration``: ``ReferenceSequence``, ``IdempotencyKey``;
- ``saved_view``: ``SavedView``;
- ``base``: the history tables' shared column (``history_transition``).

Every name is re-exported here (``from complaints.models import Complaint``); migrations refer
to ``complaints.models.attachment_path``, which must stay importable from here.
"""

from __future__ import annotations

from complaints.models.accountability import ResponsibilityContest
from complaints.models.base import HistoryExtras, _HistoricalRecords, history
from complaints.models.catalogue import Category, RootCause, TwoLevelCode
from complaints.models.choices import (
    Channel,
    ContactChannel,
    FollowUpOutcome,
    Priority,
    RejectReason,
    WithdrawReason,
)
from complaints.models.complaint import (
    HANDLING_STATES,
    OPEN_STATES,
    Complaint,
    ComplaintQuerySet,
    State,
)
from complaints.models.organisation import TIER_ORDER, Department, StaffProfile, Tier
from complaints.models.records import Attachment, Communication, Note, attachment_path
from complaints.models.registration import IdempotencyKey, ReferenceSequence
from complaints.models.saved_view import SavedView

__all__ = [
    "HANDLING_STATES",
    "OPEN_STATES",
    "TIER_ORDER",
    "Attachment",
    "Category",
    "Channel",
    "Communication",
    "Complaint",
    "ComplaintQuerySet",
    "ContactChannel",
    "Department",
    "FollowUpOutcome",
    "HistoryExtras",
    "IdempotencyKey",
    "Note",
    "Priority",
    "ReferenceSequence",
    "RejectReason",
    "ResponsibilityContest",
    "RootCause",
    "SavedView",
    "StaffProfile",
    "State",
    "Tier",
    "TwoLevelCode",
    "WithdrawReason",
    "_HistoricalRecords",
    "attachment_path",
    "history",
]
