"""One error body for every refusal the API gives, and the exception handler that builds it.

Every 4xx answer looks like::

    {"error": {"code": "stale", "message": "C-2026-000123 was changed by someone else ...",
               "fields": {}}}

``fields`` maps a field name to its messages for invalid input (400) and is empty otherwise, so
a client needs one parser for every failure. Service refusals keep the status the service gives
them (``ServiceError.status_code``): 403 for a forbidden action, 409 for a move the state does
not allow, a stale version or a remedy that needs approval first.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler

from complaints.services import (
    ActionForbidden,
    ApprovalRequired,
    InvalidInput,
    ServiceError,
    StaleComplaint,
    TransitionRefused,
)


def _service_code(exc: ServiceError) -> str:
    # Most specific first: ApprovalRequired is a TransitionRefused.
    if isinstance(exc, ActionForbidden):
        return "permission_denied"
    if isinstance(exc, StaleComplaint):
        return "stale"
    if isinstance(exc, ApprovalRequired):
        return "approval_required"
    if isinstance(exc, TransitionRefused):
        return "transition_refused"
    return "conflict"


def _field_errors(detail: Any) -> dict[str, Any]:
    """DRF's ``ValidationError.detail`` as ``{field: [messages]}``; a bare list is non-field."""
    if isinstance(detail, dict):
        return {str(key): value for key, value in detail.items()}
    if isinstance(detail, list):
        return {"non_field_errors": detail}
    return {"non_field_errors": [detail]}


def _django_validation_detail(exc: DjangoValidationError) -> Any:
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return [str(message) for message in exc.messages]


def handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's ``EXCEPTION_HANDLER``: service errors and Django's own exceptions become API
    exceptions with the right status, then every API exception gets the one error body."""
    if isinstance(exc, InvalidInput):
        # A rule of the action the input broke (400), as a serializer's own error would be.
        return Response(
            {"error": {"code": "invalid", "message": exc.message, "fields": exc.fields}},
            status=exc.status_code,
        )
    if isinstance(exc, ServiceError):
        response = Response(
            {"error": {"code": _service_code(exc), "message": exc.message, "fields": {}}},
            status=exc.status_code,
        )
        return response
    if isinstance(exc, DjangoValidationError):
        # A model or upload check, or a malformed value inside a pagination cursor.
        exc = exceptions.ValidationError(_django_validation_detail(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid", str(_("Invalid input."))
        fields = _field_errors(exc.detail)
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = getattr(exc, "detail", "")
        message = str(detail) if not isinstance(detail, list | dict) else str(exc)
        fields = {}
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


# ---------------------------------------------------------------------------------------------
# The schema of that body, for drf-spectacular
# ---------------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_(
            "Machine-readable reason: invalid, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, not_found, method_not_allowed, "
            "not_acceptable, unsupported_media_type, throttled, locked_out, "
            "transition_refused, stale, approval_required, conflict."
        )
    )
    message = serializers.CharField(help_text=_("A sentence for a person, in their language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_("For invalid input: each field's messages; empty otherwise."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_DESCRIPTIONS = {
    400: _("Invalid input; `error.fields` says which fields and why."),
    401: _("Not authenticated: send `Authorization: Token <token>` or a session cookie."),
    403: _("Authenticated, but this user may not do this (auditors never write)."),
    404: _("No such complaint, or one this user may not see."),
    405: _("Method not allowed."),
    409: _(
        "Refused by the lifecycle: not possible from the current state, a condition is "
        "missing, the version is stale, or the remedy needs approval first."
    ),
    415: _("Unsupported media type."),
    429: _("Too many failed login attempts for this account or from this address."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """``{status: OpenApiResponse(ErrorSerializer)}`` for ``extend_schema(responses=...)``."""
    return {
        status: OpenApiResponse(response=ErrorSerializer, description=_DESCRIPTIONS[status])
        for status in statuses
    }
