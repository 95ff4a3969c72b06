"""What intake keeps beside the complaint itself: the outbox of notices to complainants, the
Message-IDs already imported from the intake mailbox, and the Open311 details of requests that
arrived through the GeoReport API."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint


class Notification(models.Model):
    """One notice to a complainant: the outbox row a task claims before it sends.

    ``event_version`` is the complaint's version when the event happened, so a complaint that
    is reopened and resolved again gets a second resolution notice, while a task that runs twice
    for the same event finds the row already claimed and sends nothing.
    """

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
        ACCEPTANCE = "acceptance", _("Notice of acceptance")
        REJECTION = "rejection", _("Notice of rejection")
        RESOLUTION = "resolution", _("Notice of resolution")
        FOLLOW_UP = "follow_up", _("Notice of follow-up")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    event_version = models.PositiveIntegerField(_("complaint version"))
    recipient = models.EmailField(_("recipient"))
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # Our own Message-ID: a complainant's reply names it in In-Reply-To, which threads the reply.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Set by the conditional UPDATE that claims the row; NULL means "not sent yet".
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice to a complainant")
        verbose_name_plural = _("notices to complainants")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "event_version"], name="notification_once_per_event"
            )
        ]
        indexes = [
            # Email intake: WHERE message_id IN (In-Reply-To, References...) to thread a reply.
            models.Index(
                fields=["message_id"], name="notif_message_id_idx", condition=~Q(message_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient}"


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
