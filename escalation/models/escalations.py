"""Escalation records: who or what moved a complaint up a tier, and why."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Complaint, Tier


class EscalationCause(models.TextChoices):
    MANUAL = "manual", _("By a handler")
    DEADLINE = "deadline", _("Deadline missed")


class Trigger(models.TextChoices):
    ACCEPTANCE = "acceptance", _("acceptance")
    FIRST_RESPONSE = "first_response", _("first reply")
    PROMISED_REPLY = "promised_reply", _("promised reply")
    RESOLUTION = "resolution", _("resolution")
    TIER_BUDGET = "tier_budget", _("time allowed at this tier")


class ManualReason(models.TextChoices):
    BEYOND_AUTHORITY = "beyond_authority", _("Beyond my authority")
    OTHER_DEPARTMENT = "other_department", _("Needs another department")
    DEMANDS_MANAGER = "demands_manager", _("The complainant demands a manager")
    OTHER = "other", _("Other")


class Escalation(models.Model):
    """One move up a tier: who or what moved it, when, why, from where to where.

    Written in the same transaction as the complaint's "escalate" history row. Append-only.
    """

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("complaint")
    )
    from_tier = models.CharField(_("from tier"), max_length=20, choices=Tier.choices)
    to_tier = models.CharField(_("to tier"), max_length=20, choices=Tier.choices)
    cause = models.CharField(_("cause"), max_length=10, choices=EscalationCause.choices)
    trigger = models.CharField(
        _("missed deadline"), max_length=20, choices=Trigger.choices, blank=True
    )
    due_at = models.DateTimeField(_("was due"), null=True, blank=True)
    reason_code = models.CharField(
        _("reason"), max_length=20, choices=ManualReason.choices, blank=True
    )
    reason = models.TextField(_("explanation"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("escalation")
        # Not the complaint's count of escalations (升级次数): the escalation records.
        verbose_name_plural = pgettext_lazy("model", "escalations")
        indexes = [
            # The complaint page's timeline.
            models.Index(fields=["complaint", "created_at"], name="esc_complaint_idx"),
            # Reports: escalations in a month, by cause.
            models.Index(fields=["created_at"], name="esc_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_tier} → {self.to_tier}"
