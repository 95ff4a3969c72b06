"""Requests decided by a manager: clock pauses, deadline extensions, remedy approvals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Complaint, Tier, history


class DecidedRequest(models.Model):
    """What every request a manager decides has (a pause, an extension, a remedy approval): who
    asked and when, who decided, when and why."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True


class PauseReason(models.TextChoices):
    WAITING_COMPLAINANT = "waiting_complainant", _("Waiting for the complainant")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for a third party")
    WAITING_AUTHORITY = "waiting_authority", _("Waiting for a regulator, court or authority")
    OTHER = "other", _("Other (explain)")


class ClockPause(DecidedRequest):
    """The SLA clock stopped on purpose, with a reason, a planned end and (beyond the configured
    length) a manager's approval. Nothing stops the clock silently by status."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        ACTIVE = "active", _("Clock stopped")
        ENDED = "ended", _("Ended")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")

    class EndCause(models.TextChoices):
        RESUMED = "resumed", _("Resumed by staff")
        EXPIRED = "expired", _("Planned end reached")
        STATE_CHANGE = "state_change", _("Complaint left the handling states")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="clock_pauses",
        verbose_name=_("complaint"),
    )
    reason_code = models.CharField(_("reason"), max_length=30, choices=PauseReason.choices)
    note = models.TextField(_("explanation"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    planned_until = models.DateTimeField(_("planned until"))
    started_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("clock restarted at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clock restarted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_cause = models.CharField(_("ended by"), max_length=15, choices=EndCause.choices, blank=True)
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status__in=["requested", "active"]),
                name="pause_one_open_per_complaint",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(started_at__isnull=False),
                name="pause_active_has_start",
            ),
        ]
        indexes = [
            # Deadline recomputation: a complaint's finished pauses, in order.
            models.Index(fields=["complaint", "started_at"], name="pause_complaint_idx"),
            # The sweep restarts clocks whose planned end passed.
            models.Index(
                fields=["planned_until"], condition=Q(status="active"), name="pause_active_idx"
            ),
            # Approvers' queue.
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="pause_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.get_reason_code_display()}"


class ExtensionRequest(DecidedRequest):
    """A handler asks for more time to resolve; a manager approves or refuses; on approval the
    resolution deadline moves and the complainant is told the new date."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("complaint")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("why more time is needed"))
    current_due_at = models.DateTimeField(_("resolution was due"), null=True, blank=True)
    proposed_due_at = models.DateTimeField(_("new resolution deadline"))
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("deadline extension")
        # Not the complaint's count of extensions (延期次数): the requests for more time.
        verbose_name_plural = pgettext_lazy("model", "deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="requested"),
                name="extension_one_pending_per_complaint",
            ),
        ]
        indexes = [
            models.Index(fields=["complaint", "requested_at"], name="ext_complaint_idx"),
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="ext_pending_idx"
            ),
            # Reports: approved extensions in a month.
            models.Index(
                fields=["decided_at"], condition=Q(status="approved"), name="ext_approved_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: → {self.proposed_due_at:%Y-%m-%d}"


class RemedyApproval(DecidedRequest):
    """A handler's request that a higher tier approve a remedy beyond the handler's own limit
    (超出处理权限), waiting in that tier's "waiting for my approval" queue.

    The approval itself is the core's ``approve_remedy`` step on the complaint; this record only
    says who asked, for how much, and whom it waits for. At most one is pending per complaint:
    a new request supersedes the old one, and a request lapses (superseded) once the complaint
    is no longer assigned to the person who asked.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")
        SUPERSEDED = "superseded", _("Superseded")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="remedy_approvals",
        verbose_name=_("complaint"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("why the remedy is needed"))
    # The tier whose limit covers the amount (complaints.rules.remedy_limit): the department
    # manager, or the general manager beyond the manager's limit.
    approver_tier = models.CharField(
        _("to be approved by"),
        max_length=20,
        choices=[(Tier.MANAGER.value, Tier.MANAGER.label), (Tier.GM.value, Tier.GM.label)],
    )
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("remedy approval request")
        verbose_name_plural = _("remedy approval requests")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="pending"),
                name="remedy_one_pending_per_complaint",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="remedy_amount_positive"),
        ]
        indexes = [
            # The approvals queue and its count: pending requests for the user's tier
            # (escalation.queues.approval_condition), oldest first on the requests page.
            models.Index(
                fields=["approver_tier", "requested_at"],
                condition=Q(status="pending"),
                name="remedy_pending_for_tier_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.amount}"
