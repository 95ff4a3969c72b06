"""The indexes and constraints of the complaints table and its history table, each with the
query it serves. ``Complaint.Meta`` and ``Complaint.history`` read them from here so that the
complaint's fields and its transition table stay on a few screens."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

# The history table keeps every column but none of the model's indexes except those the
# per-complaint history page and audit log use (history_date, history_user, id).
HISTORY_UNINDEXED = [
    "reference",
    "category",
    "department",
    "assignee",
    "subject_department",
    "subject_person",
    "created_by",
    "remedy_approved_by",
    "repeat_of",
    "merged_into",
    "appeal_of",
    "cause",
    "responsible_department",
    "responsible_person",
    "received_at",
    "resolved_at",
    "closed_at",
    "next_due_at",
    "classified_at",
    "state",
]

HISTORY_INDEXES = [
    # Every follow-up contact counts in the month it happened (DOMAIN.md, satisfaction
    # rate), read from its history row: WHERE history_transition = 'follow_up' AND
    # history_date in the month [AND department_id = ? | assignee_id = ?], grouped by
    # outcome and department (reporting.figures). Partial, so it holds only follow-up
    # rows; the other columns are keys so that the count is an index-only scan.
    models.Index(
        fields=["history_date", "follow_up_outcome", "department", "assignee"],
        name="hcmp_follow_up_month_idx",
        condition=Q(history_transition="follow_up"),
    ),
]

INDEXES = [
    # Department queues and the manager dashboard: WHERE department = ? AND state IN (...)
    # ORDER BY received_at DESC.
    models.Index(fields=["department", "state", "-received_at"], name="cmp_dept_state_recv_idx"),
    # "My open complaints": WHERE assignee = ? AND state IN (...).
    models.Index(fields=["assignee", "state"], name="cmp_assignee_state_idx"),
    # Default list ordering over everything (GM, auditor): ORDER BY received_at DESC, id.
    models.Index(fields=["-received_at", "-id"], name="cmp_received_idx"),
    # Monthly report windows on each milestone.
    models.Index(fields=["resolved_at"], name="cmp_resolved_at_idx"),
    models.Index(fields=["closed_at"], name="cmp_closed_at_idx"),
    models.Index(fields=["classified_at"], name="cmp_classified_at_idx"),
    models.Index(fields=["first_response_at"], name="cmp_first_response_at_idx"),
    models.Index(fields=["followed_up_at"], name="cmp_followed_up_at_idx"),
    # Rejections and terminations are a few percent of complaints: partial indexes.
    models.Index(
        fields=["rejected_at"],
        name="cmp_rejected_at_idx",
        condition=Q(rejected_at__isnull=False),
    ),
    models.Index(
        fields=["withdrawn_at"],
        name="cmp_withdrawn_at_idx",
        condition=Q(withdrawn_at__isnull=False),
    ),
    # SLA sweep: WHERE next_due_at <= now AND state IN (handling states); partial so the
    # index holds only the few thousand running clocks, not a million closed cases.
    models.Index(
        fields=["next_due_at"],
        name="cmp_sla_sweep_idx",
        condition=Q(state__in=["received", "classified", "assigned"])
        & Q(next_due_at__isnull=False),
    ),
    # "Overdue" lists and counts: the resolution deadline of a running clock, the other
    # arm of the OR next to cmp_sla_sweep_idx (complaints.filters.overdue_q).
    models.Index(
        fields=["resolution_due_at"],
        name="cmp_overdue_resolution_idx",
        condition=Q(state__in=["received", "classified", "assigned"])
        & Q(clock_paused_at__isnull=True),
    ),
    # Overdue follow-ups (回访), the third arm of complaints.filters.overdue_q, and the
    # "follow-ups due" and "due today" queues (complaints.queues): only the resolved
    # complaints still waiting for their follow-up.
    models.Index(
        fields=["follow_up_due_at"],
        name="cmp_follow_up_due_idx",
        condition=Q(state="resolved") & Q(follow_up_due_at__isnull=False),
    ),
    # The "my department's unassigned" queue and its count in the navigation
    # (complaints.queues): the few open complaints nobody has taken yet.
    models.Index(
        fields=["department", "-received_at"],
        name="cmp_unassigned_queue_idx",
        condition=Q(state__in=["received", "classified", "assigned", "resolved", "followed_up"])
        & Q(assignee__isnull=True),
    ),
    # Root causes by month (reports, recurring causes): WHERE cause IS NOT NULL AND
    # resolved_at in the period, grouped by cause, department and category.
    models.Index(
        fields=["cause", "resolved_at"],
        name="cmp_cause_resolved_idx",
        condition=Q(cause__isnull=False),
    ),
    # Accountability table: WHERE responsible_department/person ... AND resolved_at in
    # the period; only substantiated complaints carry a finding.
    models.Index(
        fields=["responsible_department", "resolved_at"],
        name="cmp_resp_dept_resolved_idx",
        condition=Q(responsible_department__isnull=False),
    ),
    models.Index(
        fields=["responsible_person", "resolved_at"],
        name="cmp_resp_person_resolved_idx",
        condition=Q(responsible_person__isnull=False),
    ),
    # Duplicate/repeat detection: same complainant, by any of three identifiers.
    models.Index(
        fields=["complainant_phone_norm", "-received_at"],
        name="cmp_phone_norm_idx",
        condition=~Q(complainant_phone_norm=""),
    ),
    models.Index(
        fields=["complainant_email_norm", "-received_at"],
        name="cmp_email_norm_idx",
        condition=~Q(complainant_email_norm=""),
    ),
    models.Index(
        fields=["complainant_id_norm", "-received_at"],
        name="cmp_id_norm_idx",
        condition=~Q(complainant_id_norm=""),
    ),
]

CONSTRAINTS = [
    models.CheckConstraint(
        name="complaint_remedy_amount_not_negative", condition=Q(remedy_amount__gte=0)
    ),
    models.CheckConstraint(
        name="complaint_rejected_has_reason",
        condition=~Q(state="rejected") | ~Q(reject_reason=""),
    ),
    models.CheckConstraint(
        name="complaint_withdrawn_has_reason",
        condition=~Q(state="withdrawn") | ~Q(withdraw_reason=""),
    ),
    # A platform's reference names one complaint here (a re-sent transfer is the same).
    models.UniqueConstraint(
        fields=["external_platform", "external_reference"],
        name="cmp_external_reference_uniq",
        condition=~Q(external_reference=""),
    ),
    models.CheckConstraint(
        name="complaint_assigned_has_assignee",
        condition=~Q(state="assigned") | Q(assignee__isnull=False),
    ),
]
