"""What is kept with a complaint besides its own row: internal notes, communications with the
complainant and evidence files, each with its own history."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.base import history
from complaints.models.complaint import Complaint


class Note(models.Model):
    """An internal note: staff only, never shown on the public tracking page."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)
    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["complaint", "created_at"], name="note_complaint_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.body[:40]}"


class Communication(models.Model):
    """A contact with the complainant: a call, an email, a letter, a visit, a text message."""

    class Medium(models.TextChoices):
        CALL = "call", _("Phone call")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")
        SMS = "sms", _("Text message")
        WEB = "web", _("Web")

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the complainant")
        OUTBOUND = "out", _("To the complainant")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="communications"
    )
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    summary = models.TextField(_("summary"))
    # Public replies are shown on the tracking page; everything else stays internal.
    public = models.BooleanField(_("visible to the complainant"), default=False)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Email intake threads replies and never imports one message twice.
    message_id = models.CharField(max_length=255, blank=True, editable=False)
    history = history()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        indexes = [
            models.Index(fields=["complaint", "occurred_at"], name="comm_complaint_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], name="comm_message_id_unique", condition=~Q(message_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.occurred_at:%Y-%m-%d}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A short generated name that keeps the extension: the name the uploader gave may be long
    (255 UTF-8 bytes of Chinese is too long for a file system) or repeat another file's, so it
    is kept in ``original_name`` for display and download only."""
    now = timezone.now()
    suffix = re.fullmatch(r".*(\.[A-Za-z0-9]{1,10})", filename or "")
    name = uuid.uuid4().hex + (suffix.group(1).lower() if suffix else "")
    return f"attachments/{now:%Y/%m}/{instance.complaint.reference}/{name}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    public = models.BooleanField(_("provided by the complainant"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = history()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["complaint", "uploaded_at"], name="attach_complaint_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name
