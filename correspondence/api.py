"""REST API of the messages to a complainant, under ``/api/v1/complaints/<reference>/messages/``.

Same conventions as ``complaints.api``: token or session auth, the complaint through the one
visibility function (404 if invisible, 403 for auditors and for staff who do not handle it),
one error body (``complaints.api.errors``), JSON only. The views call
``correspondence.services``, as the reply page does.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors as complaint_selectors
from complaints.api.errors import error_responses
from complaints.api.filters import MAX_ID
from complaints.api.parsers import BoundedJSONParser
from complaints.api.serializers import StrictCharField, UserSummarySerializer
from complaints.api.views import REFERENCE
from complaints.models import Complaint
from correspondence import selectors, services
from correspondence.forms import MAX_BODY, MAX_KEY, MAX_SUBJECT, mask_recipient
from correspondence.models import Channel, Message, MessageTemplate, Purpose
from correspondence.views import may_write_to

MESSAGE_ID = OpenApiParameter(
    "message_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, OpenApiParameter.PATH
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (a UUID) of at most 64 characters. Sending again with the same key "
        "returns the message the first attempt queued instead of sending it twice."
    ),
)


# ---------------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------------


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID, "nullable": True})
class StrictIdField(serializers.Field):
    """A positive integer id, sent as a JSON number (DRF's IntegerField takes "5" and 5.0)."""

    default_error_messages = {"invalid": _("A positive whole number is required.")}

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_ID:
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> int:
        return value


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanField(serializers.Field):
    """true or false, nothing else (DRF's BooleanField takes "yes", 1, "on")."""

    default_error_messages = {"invalid": _("Use true or false.")}

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid")
        return data

    def to_representation(self, value: Any) -> bool:
        return bool(value)


class MessageSerializer(serializers.ModelSerializer):
    created_by = UserSummarySerializer(read_only=True, allow_null=True)
    recipient = serializers.SerializerMethodField(
        help_text=_("The recipient, partly hidden (138****8000, l***@example.com).")
    )
    attachment_id = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text=_("A letter's PDF: download it from the complaint's attachments."),
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "channel",
            "purpose",
            "status",
            "recipient",
            "language",
            "subject",
            "body",
            "urgent",
            "created_by",
            "created_at",
            "send_after",
            "sent_at",
            "delivered_at",
            "attempts",
            "last_error",
            "attachment_id",
        ]
        read_only_fields = fields

    def get_recipient(self, message: Message) -> str:
        # Staff from whom the complainant is kept (对信访人身份保密) see every character hidden.
        if self.context.get("hide_complainant"):
            return complaint_selectors.mask(message.recipient)
        return mask_recipient(message.channel, message.recipient)


class PreviewRequestSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    template = StrictIdField(
        required=False,
        allow_null=True,
        help_text=_("A message template's id; its text is used unless body is given."),
    )
    purpose = serializers.ChoiceField(
        choices=Purpose.choices,
        required=False,
        help_text=_("Default: the template's purpose, else reply."),
    )
    subject = StrictCharField(max_length=MAX_SUBJECT, required=False, allow_blank=True, default="")
    body = StrictCharField(
        max_length=MAX_BODY, required=False, allow_blank=True, default="", trim_whitespace=False
    )

    def __init__(self, *args, complaint: Complaint | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.complaint = complaint

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        template = None
        if attrs.get("template") is not None:
            template = MessageTemplate.objects.filter(
                pk=attrs["template"],
                active=True,
                language=self.complaint.complainant_language,
            ).first()
            if template is None:
                raise serializers.ValidationError(
                    {
                        "template": [
                            _("No active template with this id in the complainant's language.")
                        ]
                    }
                )
            if template.channel != attrs["channel"]:
                raise serializers.ValidationError(
                    {"template": [_("This template is for another channel.")]}
                )
        elif not attrs.get("body", "").strip():
            raise serializers.ValidationError({"body": [_("Write a text or choose a template.")]})
        attrs["template"] = template
        attrs.setdefault("purpose", template.purpose if template is not None else Purpose.REPLY)
        return attrs


class SendRequestSerializer(PreviewRequestSerializer):
    urgent = StrictBooleanField(
        required=False,
        default=False,
        help_text=_("A text message is sent at night too (not held until 08:00)."),
    )


class PreviewSerializer(serializers.Serializer):
    subject = serializers.CharField()
    text = serializers.CharField()
    html = serializers.CharField(help_text=_("Email only; empty for SMS and letters."))


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


def _readable(request: Request, reference: str) -> Complaint:
    try:
        return complaint_selectors.complaints_visible_to(request.user).get(reference=reference)
    except Complaint.DoesNotExist as exc:
        raise exceptions.NotFound() from exc


def _writable(request: Request, reference: str) -> Complaint:
    """404 if invisible; 403 for auditors and for staff who do not handle this complaint."""
    complaint = complaint_selectors.get_complaint_for(request.user, reference, write=True)
    if not may_write_to(complaint, request.user):
        raise exceptions.PermissionDenied()
    return complaint


def _service_call(call, *args, **kwargs):
    """A service's ValidationError (unknown variable, unusable channel) is a 400."""
    try:
        return call(*args, **kwargs)
    except DjangoValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise exceptions.ValidationError(
                {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
            ) from exc
        raise exceptions.ValidationError({"non_field_errors": list(exc.messages)}) from exc


class MessagesView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="complaints_messages_list",
        tags=["complaints"],
        summary=_("Messages to the complainant"),
        description=_("Every message, automatic or written by staff, newest first."),
        parameters=[REFERENCE],
        responses={200: MessageSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        complaint = _readable(request, reference)
        hide = not complaint_selectors.may_see_complainant(request.user, complaint)
        return Response(
            MessageSerializer(
                selectors.messages_for(complaint), many=True, context={"hide_complainant": hide}
            ).data
        )

    @extend_schema(
        operation_id="complaints_messages_create",
        tags=["complaints"],
        summary=_("Write to the complainant"),
        description=_(
            "Queues a message by one of the complainant's channels, from a template or a text. "
            "It is added to the timeline as a contact. A letter is rendered to PDF and waits "
            "to be posted. Send an `Idempotency-Key` so a retried request sends once."
        ),
        parameters=[REFERENCE, IDEMPOTENCY_KEY],
        request=SendRequestSerializer,
        responses={201: MessageSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, reference: str) -> Response:
        complaint = _writable(request, reference)
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_KEY:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most 64 characters.")]})
        serializer = SendRequestSerializer(data=request.data, complaint=complaint)
        serializer.is_valid(raise_exception=True)
        message = _service_call(
            services.send_reply,
            complaint,
            by=request.user,
            key=key or uuid.uuid4().hex,
            **serializer.validated_data,
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


class PreviewView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="complaints_messages_preview",
        tags=["complaints"],
        summary=_("Preview a message to the complainant"),
        description=_("What would be sent, with the complaint's fields filled in; nothing saved."),
        parameters=[REFERENCE],
        request=PreviewRequestSerializer,
        responses={200: PreviewSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, reference: str) -> Response:
        complaint = _writable(request, reference)
        serializer = PreviewRequestSerializer(data=request.data, complaint=complaint)
        serializer.is_valid(raise_exception=True)
        rendered = _service_call(
            services.preview, complaint, by=request.user, **serializer.validated_data
        )
        return Response(
            PreviewSerializer(
                {"subject": rendered.subject, "text": rendered.text, "html": rendered.html or ""}
            ).data
        )


class _MessageActionView(APIView):
    parser_classes = [BoundedJSONParser]
    service = "retry"

    def post(self, request: Request, reference: str, message_id: str) -> Response:
        complaint = _writable(request, reference)
        # The action takes no body, but a malformed one (JSON nested too deep, not JSON) is a
        # 400 like at every other POST of the API, before anything is looked up.
        request.data  # noqa: B018
        if not message_id.isdigit() or int(message_id) > MAX_ID:
            raise exceptions.NotFound()
        try:
            message = Message.objects.get(complaint=complaint, pk=int(message_id))
        except Message.DoesNotExist as exc:
            raise exceptions.NotFound() from exc
        result = _service_call(getattr(services, self.service), message, by=request.user)
        if not isinstance(result, Message):
            result = Message.objects.get(pk=message.pk)
        return Response(MessageSerializer(result).data)


class RetryView(_MessageActionView):
    service = "retry"

    @extend_schema(
        operation_id="complaints_messages_retry",
        tags=["complaints"],
        summary=_("Send a failed message again"),
        parameters=[REFERENCE, MESSAGE_ID],
        request=None,
        responses={200: MessageSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, reference: str, message_id: str) -> Response:
        return super().post(request, reference, message_id)


class PostedView(_MessageActionView):
    service = "mark_posted"

    @extend_schema(
        operation_id="complaints_messages_posted",
        tags=["complaints"],
        summary=_("Mark a letter as posted"),
        parameters=[REFERENCE, MESSAGE_ID],
        request=None,
        responses={200: MessageSerializer, **error_responses(401, 403, 404, 409)},
    )
    def post(self, request: Request, reference: str, message_id: str) -> Response:
        return super().post(request, reference, message_id)
