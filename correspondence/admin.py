"""The admin of correspondence: the 话术库 (edited by the general manager's office, read by every
tier), the outbox (read-only, scoped by the visibility function like every record of a
complaint) and the SMS opt-outs.

The tier groups carry no correspondence permissions, so here, as in intake's admin, the tier
itself is the permission: whoever has a tier reads; the general manager (and superusers)
write templates and opt-outs; nothing here deletes a template (deactivate it: messages refer to
it and its history must stay readable).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Value, When
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import rules, selectors
from complaints.admin import ReadOnlyScopedAdmin
from complaints.models import Complaint
from correspondence import rendering
from correspondence.models import Channel, Message, MessageTemplate, SmsOptOut
from correspondence.sms import policy


def _has_tier(user) -> bool:
    return rules.tier_of(user) is not None


def _is_general_manager(user) -> bool:
    # tier_of counts a superuser without a staff profile as general manager.
    return user.is_active and (user.is_superuser or rules.tier_of(user) == rules.GM)


def variables_help() -> str:
    """The body field's help: every variable a template may use and what it holds."""
    rows = format_html_join(
        "",
        "<li><code>{{{{ {} }}}}</code> — {}</li>",
        ((n, m) for n, m in rendering.VARIABLES.items()),
    )
    return format_html(
        "{}<ul>{}</ul>{}",
        gettext("Plain text. The variables you may use:"),
        rows,
        gettext("Tags allowed: %(tags)s. Any other tag or variable is refused when you save.")
        % {"tags": "{% if %}, {% for %}, {% with %}, {% firstof %}, {% comment %}"},
    )


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["name", "purpose", "channel", "language", "subject", "body", "active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 16, "cols": 90})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "body" in self.fields:
            self.fields["body"].help_text = variables_help()
        if "subject" in self.fields:
            self.fields["subject"].help_text = _(
                "The email's subject or the letter's title; leave it empty for a text message."
            )


class NoDeleteActions:
    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(MessageTemplate)
class MessageTemplateAdmin(NoDeleteActions, SimpleHistoryAdmin):
    form = MessageTemplateForm
    list_display = ["name", "purpose", "channel", "language", "active", "updated_at"]
    list_filter = ["purpose", "channel", "language", "active"]
    search_fields = ["name", "subject", "body"]
    ordering = ["purpose", "channel", "language", "name"]
    readonly_fields = ["sample", "updated_at"]
    actions = ["deactivate", "activate"]
    fieldsets = [
        (None, {"fields": ["name", "purpose", "channel", "language", "active"]}),
        (_("Text"), {"fields": ["subject", "body"]}),
        (
            _("Sample with made-up data (not a real complaint)"),
            {"fields": ["sample", "updated_at"]},
        ),
    ]

    def has_module_permission(self, request) -> bool:
        return _has_tier(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_tier(request.user)

    def has_add_permission(self, request) -> bool:
        return _is_general_manager(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_general_manager(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: sent messages refer to their template

    @admin.display(description=_("sample"))
    def sample(self, obj: MessageTemplate | None) -> str:
        """The saved template rendered with invented values, as the complainant would get it."""
        if obj is None or not obj.pk:
            return gettext("Save the template to see a sample.")
        context = rendering.sample_context(obj.language)
        try:
            rendering.validate(obj.subject, obj.body)
            shown = rendering.render(
                subject=obj.subject if obj.channel != Channel.SMS else "",
                body=obj.body,
                context=context,
                language=obj.language,
            )
        except ValidationError as exc:
            return format_html("<strong>{}</strong>", " ".join(exc.messages))
        if obj.channel == Channel.SMS:
            composed = policy.compose(shown.text, language=obj.language)
            count = policy.segments(composed)
            note = ngettext(
                "%(chars)s characters with the signature and opt-out hint: %(count)s segment.",
                "%(chars)s characters with the signature and opt-out hint: %(count)s segments.",
                count,
            ) % {"chars": len(composed), "count": count}
            return format_html(
                '<pre style="white-space: pre-wrap">{}</pre><p>{}</p>', composed, note
            )
        return format_html(
            '<p><strong>{}</strong></p><pre style="white-space: pre-wrap">{}</pre>',
            shown.subject,
            shown.text,
        )

    @admin.action(description=_("Take the selected templates out of use"), permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        self._set_active(request, queryset, False)

    @admin.action(description=_("Put the selected templates in use"), permissions=["change"])
    def activate(self, request, queryset) -> None:
        self._set_active(request, queryset, True)

    def _set_active(self, request, queryset, active: bool) -> None:
        # One save per row, not update(): each change gets its history row and its author.
        for template in queryset.filter(active=not active):
            template.active = active
            template._history_user = request.user
            template.save(update_fields=["active", "updated_at"])
        self.message_user(request, gettext("Done."))


@admin.register(Message)
class MessageAdmin(ReadOnlyScopedAdmin):
    """The outbox as a record: written only by the correspondence services; shown for the
    complaints the user may see, with the recipient and text masked where the complainant's
    identity is kept from the user (对信访人身份保密)."""

    list_display = [
        "complaint",
        "purpose",
        "channel",
        "shown_recipient",
        "status",
        "created_at",
        "sent_at",
        "attempts",
    ]
    list_filter = ["status", "channel", "purpose"]
    list_select_related = ["complaint"]
    search_fields = ["=complaint__reference"]
    show_full_result_count = False
    fields = [
        "complaint",
        "purpose",
        "channel",
        "template",
        "shown_recipient",
        "language",
        "shown_subject",
        "shown_body",
        "status",
        "urgent",
        "send_after",
        "attempts",
        "sent_at",
        "delivered_at",
        "last_error",
        "created_by",
        "created_at",
        "attachment",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        # may_see_complainant as a column (one subquery, not a query per row); the admin is
        # shared by every request, so the answer travels on the rows, not on self.
        hidden = Complaint.objects.filter(selectors.complainant_hidden_q(request.user))
        return (
            super()
            .get_queryset(request)
            .annotate(
                complainant_hidden=Case(
                    When(complaint__in=hidden.values("pk"), then=Value(True)),
                    default=Value(False),
                    output_field=BooleanField(),
                )
            )
        )

    @staticmethod
    def _hidden(obj: Message) -> bool:
        return getattr(obj, "complainant_hidden", True)

    @admin.display(description=_("recipient"))
    def shown_recipient(self, obj: Message) -> str:
        return selectors.mask(obj.recipient) if self._hidden(obj) else obj.recipient

    @admin.display(description=_("subject"))
    def shown_subject(self, obj: Message) -> str:
        return obj.subject

    @admin.display(description=_("text"))
    def shown_body(self, obj: Message) -> str:
        if self._hidden(obj):
            return gettext("Hidden: the complainant's identity is kept from you.")
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', obj.body)


class SmsOptOutForm(forms.ModelForm):
    class Meta:
        model = SmsOptOut
        fields = ["phone_norm", "source"]

    def clean_phone_norm(self) -> str:
        # Stored as opted_out() compares: digits only, a mainland number without its +86.
        digits = "".join(ch for ch in self.cleaned_data["phone_norm"] if ch.isdigit())
        if digits.startswith("86") and len(digits) == 13:
            digits = digits[2:]
        if len(digits) < 5:
            raise ValidationError(_("Enter the phone number that asked for no more messages."))
        if SmsOptOut.objects.filter(phone_norm=digits).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("This number has already opted out."))
        return digits


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    form = SmsOptOutForm
    list_display = ["phone_norm", "created_at", "source"]
    search_fields = ["phone_norm"]
    ordering = ["-created_at"]

    def has_module_permission(self, request) -> bool:
        return _has_tier(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return _has_tier(request.user)

    def has_add_permission(self, request) -> bool:
        return _is_general_manager(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a wrong number is deleted and added again

    def has_delete_permission(self, request, obj=None) -> bool:
        # Deleting an opt-out lets messages go to the number again: the GM's decision alone.
        return _is_general_manager(request.user)

    def save_model(self, request, obj, form, change) -> None:
        if not obj.source:
            obj.source = gettext("Added in the admin by %(user)s") % {"user": request.user}
        super().save_model(request, obj, form, change)
