"""What correspondence keeps: the templates staff write from (话术库), the outbox of every
message to a complainant whatever its channel, and the phone numbers that opted out of SMS."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Attachment, Communication, Complaint, history
from correspondence import rendering


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")


class Purpose(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement of receipt")
    ACCEPTANCE = "acceptance", _("Notice of acceptance")
    REFUSAL = "refusal", _("Notice of refusal")
    EXTENSION = "extension", _("Notice of extension")
    ESCALATION = "escalation", _("Notice of escalation")
    DECISION = "decision", _("Decision")
    SURVEY = "survey", _("Follow-up request (satisfaction survey)")
    FOLLOW_UP = "follow_up", _("Feedback recorded")
    REPLY = "reply", _("Reply")


class MessageTemplate(models.Model):
    """One template of the 话术库: a purpose, a channel and a language.

    Each automatic purpose has at most one template per channel and language (the one the
    automatic notice uses); replies may have as many named snippets as staff like. ``subject``
    is the email subject or the letter's title; SMS has none. ``body`` is a Django template
    limited to the complaint's safe variables (see ``correspondence.rendering``), checked when
    the template is saved.
    """

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    name = models.CharField(_("name"), max_length=100)
    subject = models.CharField(_("subject or title"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    active = models.BooleanField(_("in use"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = history()

    class Meta:
        ordering = ["purpose", "channel", "language", "name"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "channel", "language", "name"], name="msgtpl_unique_name"
            ),
            # The automatic notice has one template to pick per channel and language.
            models.UniqueConstraint(
                fields=["purpose", "channel", "language"],
                condition=~Q(purpose="reply"),
                name="msgtpl_one_per_automatic_purpose",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Refuse, at save, a template that would fail or come out wrong when it is sent."""
        super().clean()
        errors: dict[str, list] = {}
        if self.channel == Channel.SMS and self.subject.strip():
            errors["subject"] = [_("A text message has no subject: leave it empty.")]
        elif self.channel in (Channel.EMAIL, Channel.LETTER) and not self.subject.strip():
            errors["subject"] = [
                _("An email needs a subject.")
                if self.channel == Channel.EMAIL
                else _("A letter needs a title, e.g. “Notice of acceptance”.")
            ]
        if self.purpose and self.purpose != Purpose.REPLY:
            # The constraint would say only its name; say which template holds the place.
            taken = (
                MessageTemplate.objects.filter(
                    purpose=self.purpose, channel=self.channel, language=self.language
                )
                .exclude(pk=self.pk)
                .first()
            )
            if taken is not None:
                errors["purpose"] = [
                    _(
                        "“%(name)s” is already the template of this notice for this channel "
                        "and language: edit that one instead."
                    )
                    % {"name": taken.name}
                ]
        for field in ("subject", "body"):
            if field in errors:
                continue
            try:
                rendering.validate(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)


class Message(models.Model):
    """One message to a complainant: the outbox row a worker claims before it sends.

    The text is rendered when the message is queued, so what the handler previewed is what is
    sent and what the timeline shows. ``event_key`` makes an automatic notice unique per event
    ("acceptance:3": the complaint's version when it was accepted) and a handler's reply unique
    per submission of the form, so a retry or a worker that dies mid-send sends nothing twice.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")
        # A letter is printed and posted by the handler; nothing is sent by a worker.
        TO_POST = "to_post", _("Printed, to be posted")
        # No channel, an opted-out number: recorded so the complaint page can say so.
        NOT_SENT = "not_sent", _("Not sent")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    event_key = models.CharField(_("event"), max_length=100)
    # The complaint's version when the message was queued (the survey token checks it).
    event_version = models.PositiveIntegerField(_("complaint version"))
    # An email address, a phone number in E.164, or the postal address of a letter.
    recipient = models.CharField(_("recipient"), max_length=300, blank=True)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("text"))
    body_html = models.TextField(_("HTML text"), blank=True)
    urgent = models.BooleanField(_("urgent (sent at night too)"), default=False)

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # Not before this moment: quiet hours for SMS, back-off after a failure.
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Our own email Message-ID: a complainant's reply names it in In-Reply-To.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    # The gateway's id of an SMS, for its delivery reports.
    provider_id = models.CharField(_("gateway message id"), max_length=100, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The timeline entry written when the message went out, and the PDF of a letter.
    communication = models.OneToOneField(
        Communication, on_delete=models.PROTECT, null=True, blank=True, related_name="message"
    )
    attachment = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = history()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("message to a complainant")
        verbose_name_plural = _("messages to complainants")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "channel", "event_key"], name="message_once_per_event"
            ),
        ]
        indexes = [
            # The complaint page's list of messages, newest first.
            models.Index(fields=["complaint", "-created_at"], name="message_complaint_idx"),
            # The dispatcher: WHERE status IN (queued, sending) AND send_after <= now.
            models.Index(
                fields=["send_after"],
                name="message_due_idx",
                condition=Q(status__in=["queued", "sending"]),
            ),
            # Email intake threads a reply by In-Reply-To / References.
            models.Index(
                fields=["message_id"], name="message_message_id_idx", condition=~Q(message_id="")
            ),
            # A gateway's delivery report names its own id.
            models.Index(
                fields=["provider_id"], name="message_provider_id_idx", condition=~Q(provider_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.get_channel_display()})"


class SmsOptOut(models.Model):
    """A phone number that asked for no more text messages (回复TD退订). Digits only, as in
    ``Complaint.complainant_phone_norm``."""

    phone_norm = models.CharField(_("phone number"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)
    source = models.CharField(_("how"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("text message opt-out")
        verbose_name_plural = _("text message opt-outs")

    def __str__(self) -> str:
        return self.phone_norm
