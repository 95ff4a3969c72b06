"""A complaint's records as the API shows them: history entries, notes, attachments; and
the token answer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from complaints.api.serializers.common import (
    StrictCharField,
    UserSummarySerializer,
)
from complaints.models import (
    Attachment,
    Note,
)

# ---------------------------------------------------------------------------------------------
# History, notes, attachments
# ---------------------------------------------------------------------------------------------


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The history row's id."))
    date = serializers.DateTimeField(read_only=True)
    user = UserSummarySerializer(allow_null=True)
    action = serializers.CharField(help_text=_("register, classify, assign, escalate, edit..."))
    reason = serializers.CharField(allow_blank=True)
    type = serializers.ChoiceField(
        choices=[("+", _("created")), ("~", _("changed")), ("-", _("deleted"))]
    )
    changes = FieldChangeSerializer(many=True)


class NoteSerializer(serializers.ModelSerializer):
    author = UserSummarySerializer(read_only=True)

    class Meta:
        model = Note
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class NoteCreateSerializer(serializers.Serializer):
    body = StrictCharField(max_length=10_000)


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "public",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=_(
            "PDF, PNG, JPEG, GIF, MP3, WAV, DOCX, XLSX, ODT, ODS, TXT or EML; "
            "the type is read from the content."
        )
    )
    public = serializers.BooleanField(
        required=False, default=False, help_text=_("Provided by the complainant.")
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Send as `Authorization: Token <token>`.")
    )
