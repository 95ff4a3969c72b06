"""The staff notice outbox (``escalation.notify`` writes and sends the rows)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class Notice(models.Model):
    """Outbox of notification emails. Written in the transaction of the event it reports, sent
    by a django-q2 task after commit; the unique ``key`` makes an event notify once however many
    times it is seen (two sweeps, a retried task)."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.JSONField(_("recipients"), default=list)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    context = models.JSONField(_("details"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # A sender claims a notice by setting claimed_at; a claim older than a few minutes without
    # sent_at is a crashed sender, and the notice may be claimed again.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweep's safety net: unsent notices, oldest first.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notice_unsent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.key
