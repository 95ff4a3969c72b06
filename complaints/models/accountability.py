"""The contest of a responsibility finding (责任认定申诉); the rules and services are in
``complaints.accountability``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.base import history
from complaints.models.complaint import Complaint


class ResponsibilityContest(models.Model):
    """The responsible person's one contest of a responsibility finding (责任认定申诉), decided
    by a manager. One per complaint: the OneToOne is the "once"."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Finding upheld")
        OVERTURNED = "overturned", _("Finding overturned")

    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="responsibility_contest",
    )
    contested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contested_at = models.DateTimeField(_("contested at"), default=timezone.now)
    reason = models.TextField(_("grounds of the contest"))
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reasons for the decision"), blank=True)
    history = history()

    class Meta:
        verbose_name = _("responsibility contest")
        verbose_name_plural = _("responsibility contests")
        indexes = [
            # Managers' "contests waiting for a decision": the few undecided ones.
            models.Index(
                fields=["contested_at"],
                name="contest_undecided_idx",
                condition=Q(decided_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="contest_decided_has_outcome",
                condition=Q(decided_at__isnull=True) | ~Q(outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return str(self.complaint)
