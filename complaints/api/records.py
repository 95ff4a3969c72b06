"""REST API views of one complaint's records: its change history, internal notes and
evidence files. Each fetches the complaint through ``complaints.api.views`` (the visibility
function: 404 for anything the user may not see) and writes through one service.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import history, selectors, services
from complaints.api import serializers as s
from complaints.api.errors import error_responses
from complaints.api.filters import MAX_ID
from complaints.api.parsers import BoundedJSONParser
from complaints.api.views import REFERENCE, complaint_for_read, complaint_for_write
from complaints.models import Attachment, Complaint
from complaints.uploads import check_upload


def _history_value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)  # Decimal and anything else: its exact text


def _entry_changes(row, previous, *, masked: bool) -> list[dict[str, Any]]:
    """What ``row`` changed since ``previous`` (``complaints.history.changes``, with the
    ``version`` that ``If-Match`` compares), in the model's field order, the complainant
    masked."""
    changes = []
    for change in history.changes(row, previous, keep={"version"}):
        old, new = _history_value(change.old), _history_value(change.new)
        if masked and change.field in s.COMPLAINANT_FIELDS:
            old, new = selectors.mask(old or ""), selectors.mask(new or "")
        changes.append({"field": change.field, "old": old, "new": new})
    return changes


def history_entries(complaint: Complaint, user) -> list[dict[str, Any]]:
    """Every history row of the complaint, oldest first, with the fields each one changed.

    One query: the rows with their users. The changes are computed by comparing each row with
    the one before it (a complaint has tens of rows, not thousands).
    """
    rows = list(
        complaint.history.select_related("history_user").order_by("history_date", "history_id")
    )
    masked = not selectors.may_see_complainant(user, complaint)
    entries: list[dict[str, Any]] = []
    previous = None
    for row in rows:
        entries.append(
            {
                "id": row.history_id,
                "date": row.history_date,
                "user": row.history_user,
                "action": row.history_transition,
                "reason": row.history_change_reason or "",
                "type": row.history_type,
                "changes": _entry_changes(row, previous, masked=masked),
            }
        )
        previous = row
    return entries


class HistoryView(APIView):
    @extend_schema(
        operation_id="complaints_history",
        tags=["complaints"],
        summary=_("The complaint's change history"),
        description=_(
            "Oldest first: who did what, when, why, and which fields changed from what to "
            "what. Complainant details stay masked for users who may not see them."
        ),
        parameters=[REFERENCE],
        responses={200: s.HistoryEntrySerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_read(request, reference)
        entries = history_entries(complaint, request.user)
        return Response(s.HistoryEntrySerializer(entries, many=True).data)


class NotesView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="complaints_notes_list",
        tags=["complaints"],
        summary=_("Internal notes"),
        parameters=[REFERENCE],
        responses={200: s.NoteSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_read(request, reference)
        notes = complaint.notes.select_related("author").order_by("created_at", "id")
        return Response(s.NoteSerializer(notes, many=True).data)

    @extend_schema(
        operation_id="complaints_notes_create",
        tags=["complaints"],
        summary=_("Add an internal note"),
        parameters=[REFERENCE],
        request=s.NoteCreateSerializer,
        responses={201: s.NoteSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_write(request, reference)
        serializer = s.NoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = services.add_note(complaint, by=request.user, **serializer.validated_data)
        return Response(s.NoteSerializer(note).data, status=status.HTTP_201_CREATED)


class AttachmentsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="complaints_attachments_list",
        tags=["complaints"],
        summary=_("Evidence files"),
        parameters=[REFERENCE],
        responses={200: s.AttachmentSerializer(many=True), **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_read(request, reference)
        attachments = complaint.attachments.select_related("uploaded_by").order_by(
            "uploaded_at", "id"
        )
        return Response(s.AttachmentSerializer(attachments, many=True).data)

    @extend_schema(
        operation_id="complaints_attachments_create",
        tags=["complaints"],
        summary=_("Upload an evidence file"),
        description=_("multipart/form-data; the size limit and accepted types are checked."),
        parameters=[REFERENCE],
        request={"multipart/form-data": s.AttachmentUploadSerializer},
        responses={201: s.AttachmentSerializer, **error_responses(400, 401, 403, 404, 415)},
    )
    def post(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_write(request, reference)
        serializer = s.AttachmentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        try:
            checked = check_upload(upload)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"file": exc.messages}) from exc
        attachment = services.add_attachment(
            complaint,
            by=request.user,
            file=upload,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            public=serializer.validated_data["public"],
        )
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


class AttachmentDownloadView(APIView):
    @extend_schema(
        operation_id="complaints_attachments_download",
        tags=["complaints"],
        summary=_("Download an evidence file"),
        parameters=[
            REFERENCE,
            OpenApiParameter(
                "attachment_id",
                {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                OpenApiParameter.PATH,
            ),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file, as a download.")
            ),
            **error_responses(401, 404),
        },
    )
    def get(self, request: Request, reference: str, attachment_id: str) -> FileResponse:
        complaint = complaint_for_read(request, reference)
        if not attachment_id.isdigit() or int(attachment_id) > MAX_ID:
            raise exceptions.NotFound()
        try:
            attachment = complaint.attachments.get(pk=int(attachment_id))
        except Attachment.DoesNotExist as exc:
            raise exceptions.NotFound() from exc
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise exceptions.NotFound(_("The file is missing from storage.")) from exc
        # Always a download and never rendered inline: evidence comes from outside.
        return FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.original_name,
            content_type="application/octet-stream",
        )
