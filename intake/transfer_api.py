"""``POST /api/v1/transfers/`` (a platform hands a complaint over) and
``GET /api/v1/transfers/<platform>/<reference>/`` (the platform polls for our answer).

Both answer with the same body: our reference, the state, the answer (the resolution summary
once resolved), when it was given and whether that was by the platform's deadline.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors
from complaints.api.errors import error_responses
from complaints.api.parsers import BoundedJSONParser
from complaints.models import Complaint
from complaints.transfers import answered_in_time
from intake.transfers import TransferSerializer, import_transfer

StatusSerializer = inline_serializer(
    "TransferStatus",
    {
        "platform": serializers.CharField(),
        "platform_reference": serializers.CharField(),
        "reference": serializers.CharField(help_text="Our reference, e.g. C-2026-000123."),
        "state": serializers.CharField(),
        "platform_due_at": serializers.DateTimeField(allow_null=True),
        "answer": serializers.CharField(
            allow_null=True, help_text="The resolution summary, once resolved."
        ),
        "answered_at": serializers.DateTimeField(allow_null=True),
        "answered_by_platform_deadline": serializers.BooleanField(
            allow_null=True, help_text="Null while the deadline runs, or without one."
        ),
    },
)


def status_body(complaint: Complaint) -> dict[str, Any]:
    answered = complaint.resolved_at is not None
    return {
        "platform": complaint.external_platform,
        "platform_reference": complaint.external_reference,
        "reference": complaint.reference,
        "state": complaint.state,
        "platform_due_at": complaint.external_due_at,
        "answer": complaint.resolution_summary if answered else None,
        "answered_at": complaint.resolved_at,
        "answered_by_platform_deadline": answered_in_time(
            complaint.resolved_at, complaint.external_due_at, timezone.now()
        ),
    }


def _location(complaint: Complaint) -> str:
    return reverse(
        "intake:api_transfer",
        kwargs={"platform": complaint.external_platform, "reference": complaint.external_reference},
    )


class TransferListView(APIView):
    parser_classes = [BoundedJSONParser]
    permission_classes = [IsAuthenticated]
    http_method_names = ["post", "options"]

    @extend_schema(
        operation_id="transfers_create",
        tags=["transfers"],
        summary="Import a complaint transferred from a platform",
        description=(
            "Registers a complaint a regulator or hotline platform (12345) transferred, on "
            "channel `transfer`, keeping the platform's reference. Sending the same platform and "
            "reference again answers 200 with the complaint registered the first time; a new "
            "one 201. Our deadlines end no later than `platform_due_at`."
        ),
        request=TransferSerializer,
        responses={
            201: StatusSerializer,
            200: OpenApiResponse(StatusSerializer, description="Sent before: the same one."),
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        if not selectors.may_write(request.user):
            raise exceptions.PermissionDenied()
        complaint, created = import_transfer(request.data, by=request.user)
        return Response(
            status_body(complaint),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": _location(complaint)},
        )


class TransferStatusView(APIView):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="transfers_status",
        tags=["transfers"],
        summary="The answer to a transferred complaint",
        description="State, answer and answer time of the complaint a platform reference names.",
        responses={200: StatusSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, platform: str, reference: str) -> Response:
        complaint = (
            selectors.complaints_visible_to(request.user)
            .filter(external_platform=platform, external_reference=reference)
            .first()
        )
        if complaint is None:
            raise exceptions.NotFound()
        return Response(status_body(complaint))
