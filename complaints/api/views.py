"""REST API views: thin interfaces to ``complaints.selectors`` and ``complaints.services``.

Each view fetches complaints through ``selectors.complaints_visible_to`` (404 for anything the
user may not see, whether or not it exists), validates input with a serializer (400), and calls
one service, whose refusals keep their status (403, 409) through ``complaints.api.errors``.
Writes by auditors, or by logins without a handling tier, are refused with 403
(``selectors.may_write``) before any input is read.

This module holds the complaint list, registration, one complaint and its lifecycle actions,
and what every view shares (the path and header parameters, fetching by visibility); a
complaint's records (history, notes, files) are in ``complaints.api.records``, the reference
data in ``complaints.api.reference``.
"""

from __future__ import annotations

import re
from typing import Any

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.urls import Resolver404, resolve
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import exceptions, generics, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors, services
from complaints.api import serializers as s
from complaints.api.errors import error_responses
from complaints.api.filters import ComplaintFilter
from complaints.api.pagination import ComplaintCursorPagination, StrictOrderingFilter
from complaints.api.parsers import BoundedJSONParser
from complaints.models import Complaint

MAX_IDEMPOTENCY_KEY = 200  # IdempotencyKey.key's max_length

REFERENCE = OpenApiParameter(
    "reference",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description=_("The complaint's reference, e.g. C-2026-000123."),
)
IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        'The ETag of the complaint as you read it (its version, e.g. "3"); refused with 409 '
        "if the complaint changed since. `expected_version` in the body does the same."
    ),
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Any unique string (a UUID) of at most 200 characters. Retrying a registration with "
        "the same key returns the complaint the first attempt created (200) instead of "
        "registering it twice."
    ),
)


def _etag(complaint: Complaint) -> str:
    return f'"{complaint.version}"'


# ---------------------------------------------------------------------------------------------
# Fetching complaints: always through the visibility function
# ---------------------------------------------------------------------------------------------


def visible_complaints(request: Request) -> QuerySet[Complaint]:
    return selectors.complaints_visible_to(request.user)


def complaint_for_read(request: Request, reference: str) -> Complaint:
    """The complaint with every relation the detail shows, or 404 if the user may not see it."""
    try:
        return (
            visible_complaints(request).select_related(*s.DETAIL_RELATIONS).get(reference=reference)
        )
    except Complaint.DoesNotExist as exc:
        raise exceptions.NotFound() from exc


def complaint_for_write(request: Request, reference: str) -> Complaint:
    """404 if invisible, 403 for auditors and logins without a handling tier."""
    return selectors.get_complaint_for(request.user, reference, write=True)


def _context(request: Request) -> dict[str, Any]:
    return {"request": request}


# ---------------------------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------------------------


class LockedOut(exceptions.Throttled):
    default_detail = _(
        "Too many failed login attempts for this account or from this address; try again later."
    )
    default_code = "locked_out"


class TokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser, FormParser, MultiPartParser]

    @extend_schema(
        operation_id="auth_token",
        tags=["auth"],
        summary=_("Get an API token"),
        description=_(
            "Send `Authorization: Token <token>` on every other request. The same token is "
            "returned each time. Too many failed attempts lock the account (from one address "
            "or from all) or the address out for a while: 429."
        ),
        request=AuthTokenSerializer,
        responses={200: s.TokenSerializer, **error_responses(400, 429)},
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # django-axes refuses every attempt that a lock-out covers (config/lockout.py), the
            # right password included; Django turns its refusal into "wrong credentials". Say
            # what happened, with the status the login page gives (AXES_HTTP_RESPONSE_CODE).
            if getattr(request, "axes_locked_out", False) or getattr(
                request._request, "axes_locked_out", False
            ):
                raise LockedOut from None
            raise


# ---------------------------------------------------------------------------------------------
# The complaint list and registration
# ---------------------------------------------------------------------------------------------


class ComplaintListView(generics.GenericAPIView):
    parser_classes = [BoundedJSONParser]
    serializer_class = s.ComplaintListSerializer
    pagination_class = ComplaintCursorPagination
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    filterset_class = ComplaintFilter
    # Indexed, non-null columns only: a cursor cannot page through NULLs, and an unindexed
    # ORDER BY ... LIMIT sorts the whole table (updated_at has no index).
    ordering_fields = ["received_at", "reference"]
    ordering = ("-received_at", "-id")

    def get_queryset(self) -> QuerySet[Complaint]:
        return visible_complaints(self.request).with_list_relations()

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return s.ComplaintCreateSerializer
        return s.ComplaintListSerializer

    @extend_schema(
        operation_id="complaints_list",
        tags=["complaints"],
        summary=_("List the complaints you may see"),
        description=_(
            "Newest first unless `ordering` says otherwise. Follow `next` for the next page; "
            "there is no total count (it would cost a scan of every row)."
        ),
        responses={200: s.ComplaintListSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        serializer = s.ComplaintListSerializer(page, many=True, context=_context(request))
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        operation_id="complaints_create",
        tags=["complaints"],
        summary=_("Register a complaint"),
        description=_(
            "Registers a complaint in state `received` (登记). Send an `Idempotency-Key` so a "
            "retry after a timeout cannot register it twice: the first request answers 201, "
            "every retry with the same key 200 with the same complaint."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.ComplaintCreateSerializer,
        responses={
            201: s.ComplaintSerializer,
            200: OpenApiResponse(
                s.ComplaintSerializer,
                description=_("A retry: the complaint registered with this key before."),
            ),
            **error_responses(400, 401, 403),
        },
    )
    def post(self, request: Request) -> Response:
        if not selectors.may_write(request.user):
            raise exceptions.PermissionDenied(_("You may not register complaints."))
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > MAX_IDEMPOTENCY_KEY:
            raise exceptions.ValidationError({"Idempotency-Key": [_("At most 200 characters.")]})
        serializer = s.ComplaintCreateSerializer(data=request.data, context=_context(request))
        serializer.is_valid(raise_exception=True)
        complaint, created = _register(request.user, key, serializer.service_kwargs())
        # The caller's own registration as the service saved it (not re-read: it may already be
        # outside what they can list, e.g. registered for another department, and a re-read
        # with its relations cost 2 ms of a 13 ms request); its department and category load
        # on first use.
        data = s.ComplaintSerializer(complaint, context=_context(request)).data
        return Response(
            data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
            headers={"Location": data["url"], "ETag": _etag(complaint)},
        )


def _register(user, key: str, fields: dict[str, Any]) -> tuple[Complaint, bool]:
    """Register the complaint; with an Idempotency-Key, once per key and API user (a retry gets
    the first attempt's complaint and ``created`` False)."""
    if not key:
        return services.register(by=user, **fields), True
    return services.register_once(
        by=user, idempotency_key=key, idempotency_scope=f"api:{user.pk}", **fields
    )


# ---------------------------------------------------------------------------------------------
# One complaint
# ---------------------------------------------------------------------------------------------


class ComplaintDetailView(APIView):
    @extend_schema(
        operation_id="complaints_retrieve",
        tags=["complaints"],
        summary=_("One complaint"),
        description=_(
            "`available_transitions` names the actions you may POST now; `version` (also the "
            "`ETag` header) is what `expected_version` / `If-Match` compare against."
        ),
        parameters=[REFERENCE],
        responses={200: s.ComplaintSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_read(request, reference)
        data = s.ComplaintSerializer(complaint, context=_context(request)).data
        return Response(data, headers={"ETag": _etag(complaint)})


_IF_MATCH_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def _if_match_version(request: Request) -> int | None:
    """The version named by ``If-Match``; None when absent or ``*``."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    match = _IF_MATCH_TAG.match(header.split(",")[0])
    if match is None:
        raise exceptions.ValidationError(
            {"If-Match": [_('Send the ETag of the complaint, e.g. "3".')]}
        )
    return int(match.group(1))


TRANSITION_SUMMARIES = {
    "classify": _("Accept and classify a received complaint (受理)"),
    "reject": _("Refuse to accept a received complaint (不予受理)"),
    "assign": _("Assign or reassign a handler (分派)"),
    "resolve": _("Record the resolution (处理完毕/答复)"),
    "approve_remedy": _("Approve a remedy above the handler's limit"),
    "follow_up": _("Record the follow-up with the complainant (回访)"),
    "reopen": _("Reopen after a dissatisfied follow-up"),
    "close": _("Close a followed-up complaint (结案)"),
    "withdraw": _("Withdraw or terminate an open complaint (终止)"),
    "escalate": _("Escalate to the next tier"),
}


class TransitionView(generics.GenericAPIView):
    """POST one lifecycle action; the body is that action's fields."""

    action_name = ""
    parser_classes = [BoundedJSONParser]
    queryset = Complaint.objects.none()  # for the schema generator; posts fetch by visibility

    def post(self, request: Request, reference: str) -> Response:
        complaint = complaint_for_write(request, reference)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        kwargs = dict(serializer.validated_data)
        expected = kwargs.pop("expected_version", None)
        if expected is None:
            expected = _if_match_version(request)
        complaint = services.TRANSITIONS[self.action_name](
            complaint, by=request.user, expected_version=expected, **kwargs
        )
        data = s.ComplaintSerializer(complaint, context=_context(request)).data
        return Response(data, headers={"ETag": _etag(complaint)})


def transition_view(name: str) -> type[TransitionView]:
    """A view class for one action, so the schema documents each action's own body."""
    request_serializer = s.TRANSITION_SERIALIZERS[name]

    def post(self, request: Request, reference: str) -> Response:
        return TransitionView.post(self, request, reference)

    post = extend_schema(
        operation_id=f"complaints_{name}",
        tags=["lifecycle"],
        summary=TRANSITION_SUMMARIES[name],
        description=_(
            "Returns the complaint as it is after the action. 409 when the action is not "
            "possible from the current state, a condition is missing, the version you sent "
            "is stale, or a remedy needs approval first; `error.message` says which."
        ),
        parameters=[REFERENCE, IF_MATCH],
        request=request_serializer,
        responses={200: s.ComplaintSerializer, **error_responses(400, 401, 403, 404, 409)},
    )(post)
    class_name = "".join(part.title() for part in name.split("_")) + "View"
    return type(
        class_name,
        (TransitionView,),
        {"action_name": name, "serializer_class": request_serializer, "post": post},
    )


TRANSITION_VIEWS = {name: transition_view(name) for name in s.TRANSITION_SERIALIZERS}


# ---------------------------------------------------------------------------------------------
# Interactive documentation
# ---------------------------------------------------------------------------------------------


@method_decorator(login_required, name="dispatch")
# Swagger UI sets inline styles as it renders; scripts stay 'self' only.
@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI from the sidecar package's static files (no CDN). The init script is served
    as a separate file so the Content-Security-Policy can stay ``script-src 'self'``."""

    url_name = "api:schema"


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request: Request) -> Response:
    """Every other address under /api/: the API's 404 body, revealing nothing."""
    path = request.path
    if not path.endswith("/"):
        try:
            match = resolve(path + "/")
        except Resolver404:
            match = None
        if match is not None and match.url_name != "not-found":
            raise exceptions.NotFound(
                _("Did you mean %(path)s? The API's addresses end with a slash.")
                % {"path": path + "/"}
            )
    raise exceptions.NotFound()
