"""Corrective and preventive actions (CAPA, 纠正预防措施): one action addresses one coded root
cause and the complaints that showed it.

The lifecycle is the table of ``@transition`` methods below: planned → in progress → done →
verified, or cancelled (with a reason) from any state before verified. Every write goes through
``improvement.services``, which locks the row, checks the version, state, permission and
conditions, calls the transition and saves with the acting user and reason in history. What each
move is called (history, buttons, messages, the API) is the ``MOVES`` table after the model.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from complaints.models import Complaint, Department, RootCause, history
from improvement import rules


class ActionState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done, awaiting verification")
    VERIFIED = "verified", _("Verified")
    CANCELLED = "cancelled", _("Cancelled")


# "Open": the cause is not yet shown to be fixed (done still awaits a verifier).
OPEN_ACTION_STATES = [ActionState.PLANNED, ActionState.IN_PROGRESS, ActionState.DONE]
# Overdue and escalated: the work itself is late (a done action waits for its verifier).
WORKING_STATES = [ActionState.PLANNED, ActionState.IN_PROGRESS]
_OPEN = [str(s) for s in OPEN_ACTION_STATES]
_WORKING = [str(s) for s in WORKING_STATES]


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    MANAGER = 1, _("Department manager")
    GM = 2, _("General manager")


def evidence_path(instance: CorrectiveAction, filename: str) -> str:
    # A random name: the uploader's file name never becomes a path on the server. The file is
    # served only through improvement:action_evidence, which checks visibility.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"actions/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class CorrectiveAction(ConcurrentTransitionMixin, models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    cause = models.ForeignKey(
        RootCause,
        verbose_name=_("root cause"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    # A calendar day in Asia/Shanghai (settings.TIME_ZONE): overdue from the next local day.
    due_on = models.DateField(_("due date"))
    state = FSMField(
        _("state"),
        max_length=20,
        choices=ActionState.choices,
        default=ActionState.PLANNED,
        protected=True,
    )
    # Optimistic lock: every service write increments it; an older copy is refused (409).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    complaints = models.ManyToManyField(
        Complaint,
        verbose_name=_("complaints"),
        through="ActionComplaint",
        related_name="corrective_actions",
        blank=True,
    )

    # --- milestones ---
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    evidence = models.TextField(_("evidence of completion"), blank=True)
    evidence_file = models.FileField(
        _("evidence file"), upload_to=evidence_path, max_length=300, blank=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verification_note = models.TextField(_("verification note"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    # --- escalation of an overdue action (improvement.sweep) ---
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )

    history = history()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        permissions = [
            ("start_correctiveaction", _("Can start a corrective action")),
            ("complete_correctiveaction", _("Can complete a corrective action")),
            ("verify_correctiveaction", _("Can verify a corrective action")),
            ("cancel_correctiveaction", _("Can cancel a corrective action")),
        ]
        indexes = [
            # Overdue sweep and "open actions by due date": WHERE state IN open ORDER BY due_on.
            models.Index(fields=["due_on"], name="capa_open_due_idx", condition=Q(state__in=_OPEN)),
            # A manager's list: WHERE department_id = ? [AND state = ?] ORDER BY due_on.
            models.Index(fields=["department", "state", "due_on"], name="capa_dept_state_due_idx"),
            # "My actions": WHERE owner_id = ? [AND state = ?] ORDER BY due_on.
            models.Index(fields=["owner", "state", "due_on"], name="capa_owner_state_due_idx"),
            # open_action_causes(): the causes with an open action.
            models.Index(
                fields=["cause"], name="capa_open_cause_idx", condition=Q(state__in=_OPEN)
            ),
            # actions_in_period(): opened, completed or verified in [start, end).
            models.Index(fields=["opened_at"], name="capa_opened_idx"),
            models.Index(
                fields=["completed_at"],
                name="capa_completed_idx",
                condition=Q(completed_at__isnull=False),
            ),
            models.Index(
                fields=["verified_at"],
                name="capa_verified_idx",
                condition=Q(verified_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="capa_cancelled_has_reason",
                condition=~Q(state="cancelled") | ~Q(cancel_reason=""),
            ),
            models.CheckConstraint(
                name="capa_done_has_evidence",
                condition=~Q(state__in=["done", "verified"]) | ~Q(evidence=""),
            ),
            models.CheckConstraint(
                name="capa_verified_has_verifier",
                condition=~Q(state="verified") | Q(verified_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"A-{self.pk}: {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in _OPEN

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.state in _WORKING and self.due_on < today

    # --- the lifecycle: (source, target, condition, permission) --------------------------------

    @transition(
        field=state,
        source=ActionState.PLANNED,
        target=ActionState.IN_PROGRESS,
        permission=rules.may_start,
    )
    def start(self) -> None:
        self.started_at = timezone.now()

    @transition(
        field=state,
        source=[ActionState.PLANNED, ActionState.IN_PROGRESS],
        target=ActionState.DONE,
        conditions=[rules.has_evidence],
        permission=rules.may_complete,
    )
    def complete(self) -> None:
        self.completed_at = timezone.now()
        if self.started_at is None:
            self.started_at = self.completed_at

    @transition(
        field=state,
        source=ActionState.DONE,
        target=ActionState.VERIFIED,
        conditions=[rules.has_verifier_other_than_owner],
        permission=rules.may_verify,
    )
    def verify(self) -> None:
        self.verified_at = timezone.now()

    @transition(
        field=state,
        source=OPEN_ACTION_STATES,
        target=ActionState.CANCELLED,
        conditions=[rules.has_cancel_reason],
        permission=rules.may_cancel,
    )
    def cancel(self) -> None:
        self.cancelled_at = timezone.now()


# --- what each move is called ----------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One thing that can happen to an action, by the name its history rows carry in
    ``history_transition``. ``done`` is how a sentence says it was done ("Action 3 started.",
    "cannot be started", the history list); a lifecycle move (a ``@transition`` above, same
    name) also has its ``button`` (the page, the admin, the API's summary)."""

    name: str
    done: Promise
    button: Promise | None = None


MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("open", _("opened")),
        Move("start", _("started"), _("Start")),
        Move("complete", _("completed"), _("Mark as done")),
        Move("verify", _("verified"), _("Verify")),
        Move("cancel", _("cancelled"), _("Cancel action")),
        Move("edit", _("edited")),
        Move("link", _("linked to complaints")),
        Move("unlink", _("unlinked from a complaint")),
        Move("escalate", _("escalated")),
    )
}

# The lifecycle moves, in the order of their buttons → the button's words.
TRANSITION_LABELS = {name: m.button for name, m in MOVES.items() if m.button is not None}


def done(name: str) -> str:
    """How a sentence says the move ``name`` was done; an unknown name reads as itself."""
    move = MOVES.get(name)
    return str(move.done) if move is not None else name


class ActionComplaint(models.Model):
    """One complaint linked to one corrective action (the M2M's link table, with history)."""

    action = models.ForeignKey(
        CorrectiveAction,
        verbose_name=_("corrective action"),
        on_delete=models.CASCADE,
        related_name="links",
    )
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="action_links",
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("linked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = history()

    class Meta:
        ordering = ["linked_at", "id"]
        verbose_name = _("complaint of a corrective action")
        verbose_name_plural = _("complaints of corrective actions")
        constraints = [
            models.UniqueConstraint(fields=["action", "complaint"], name="capa_link_uniq"),
        ]
        indexes = [
            # The complaint page's panel and visibility: WHERE complaint_id = ? (→ action_id).
            models.Index(fields=["complaint", "action"], name="capa_link_complaint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} ↔ {self.complaint_id}"
