"""The reply form: a handler writes to the complainant by a channel the complainant gave."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from correspondence.models import Channel, MessageTemplate, Purpose

# Message.subject's max_length; a body longer than this is no message anyone reads.
MAX_SUBJECT = 300
MAX_BODY = 20_000
MAX_KEY = 64


def mask_recipient(channel: str, recipient: str) -> str:
    """How a recipient is shown on screens: enough to tell two apart, not enough to copy.

    138****8000 for a phone, l***@example.com for an email, the first characters of an
    address. The reply page and the messages panel are seen by staff who may not see the
    complainant (对信访人身份保密), so they never show the whole recipient."""
    if not recipient:
        return ""
    if channel == Channel.EMAIL and "@" in recipient:
        local, _at, domain = recipient.partition("@")
        return f"{local[:1]}***@{domain}"
    if channel == Channel.SMS:
        digits = recipient.strip()
        if len(digits) > 7:
            return f"{digits[:-8]}****{digits[-4:]}" if len(digits) > 8 else "****" + digits[-4:]
        return "*" * len(digits)
    text = " ".join(recipient.split())
    return f"{text[:6]}…" if len(text) > 6 else text


def templates_for(complaint: Complaint, channels) -> list[MessageTemplate]:
    """The active templates of the complainant's language for the usable channels."""
    return list(
        MessageTemplate.objects.filter(
            active=True, language=complaint.complainant_language, channel__in=list(channels)
        ).order_by("purpose", "channel", "name")
    )


class TemplateSelect(forms.Select):
    """Options grouped by purpose, each carrying its channel so reply.js can hide the
    templates of the other channels."""

    def __init__(self, *args, channels: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channels = channels or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        channel = self.channels.get(str(value))
        if channel:
            option["attrs"]["data-channel"] = channel
        return option


class ReplyForm(forms.Form):
    """What the handler chooses; the service renders, checks and sends it.

    ``key`` is made when the page is rendered and travels with the form, so a double click,
    a reload of the POST or a second tab sends one message, not two."""

    channel = forms.ChoiceField(label=_("Send by"))
    template = forms.TypedChoiceField(
        label=_("Template"), required=False, coerce=int, empty_value=None
    )
    subject = forms.CharField(
        label=_("Subject or title"),
        max_length=MAX_SUBJECT,
        required=False,
        help_text=_("Email and letter only. Empty: the template's subject."),
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=MAX_BODY,
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Empty: the template's text. Variables such as {{ reference }} are filled in; "
            "use Preview to see the result."
        ),
    )
    urgent = forms.BooleanField(label=_("Urgent: send a text message at night too"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=MAX_KEY)

    def __init__(self, *args, complaint: Complaint, channels: dict[str, str], **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.complaint = complaint
        self.channels = channels
        self.fields["channel"].choices = [
            (code, f"{Channel(code).label} · {mask_recipient(code, recipient)}")
            for code, recipient in channels.items()
        ]
        self.templates = {t.pk: t for t in templates_for(complaint, channels)}
        groups: dict[str, list] = {}
        for template in self.templates.values():
            label = f"{template.name} ({Channel(template.channel).label})"
            groups.setdefault(Purpose(template.purpose).label, []).append((template.pk, label))
        self.fields["template"].choices = [("", _("— none: write my own text —")), *groups.items()]
        self.fields["template"].widget = TemplateSelect(
            choices=self.fields["template"].choices,
            channels={str(pk): t.channel for pk, t in self.templates.items()},
        )

    def clean(self):
        data = super().clean()
        template = self.templates.get(data.get("template")) if data.get("template") else None
        data["template"] = template
        channel = data.get("channel")
        if template is not None and channel and template.channel != channel:
            self.add_error(
                "template",
                _("This template is for %(channel)s; choose one for the channel you send by.")
                % {"channel": Channel(template.channel).label},
            )
        if template is None and not (data.get("body") or "").strip():
            self.add_error("body", _("Write a text or choose a template."))
        return data

    def service_arguments(self) -> dict:
        """The keyword arguments of ``services.preview`` / ``services.send_reply``."""
        data = self.cleaned_data
        template = data["template"]
        return {
            "channel": data["channel"],
            "purpose": template.purpose if template is not None else Purpose.REPLY,
            "template": template,
            "subject": data.get("subject") or "",
            "body": data.get("body") or "",
        }
