"""What intake keeps beside the complaint itself: the Message-IDs already imported from the
intake mailbox, and the Open311 details of requests that arrived through the GeoReport API.
(Notices to complainants are the correspondence app's outbox.)"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class ImportedMessage(models.Model):
    """A message read from the intake mailbox, by Message-ID, whatever became of it.

    The unique Message-ID is what makes an import idempotent: the row is written in the same
    transaction as the complaint or communication, so a second run (or a second copy of the
    message) finds it and skips, and two concurrent runs cannot both commit.
    """

    class Outcome(models.TextChoices):
        NEW = "new", _("New complaint")
        REPLY = "reply", _("Reply threaded into a complaint")
        REFUSED = "refused", _("Refused")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imported_messages",
    )
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-id"]
        verbose_name = _("imported email")
        verbose_name_plural = _("imported emails")

    def __str__(self) -> str:
        return self.message_id


class Open311Request(models.Model):
    """The GeoReport v2 fields of a complaint created through ``POST requests``: location,
    media link and the client's own identifiers, which the complaint model has no columns for.
    Only complaints with such a row are listed by ``GET requests``."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.PROTECT, related_name="open311_request"
    )
    service_code = models.CharField(max_length=40)
    lat = models.FloatField(null=True, blank=True)
    long = models.FloatField(null=True, blank=True)
    address_string = models.CharField(max_length=500, blank=True)
    address_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(max_length=1000, blank=True)
    device_id = models.CharField(max_length=200, blank=True)
    account_id = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")
        indexes = [
            # GET requests: WHERE created_at BETWEEN start AND end ORDER BY created_at DESC.
            models.Index(fields=["-created_at"], name="o311_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.service_code} {self.complaint_id}"
