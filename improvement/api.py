"""REST API of corrective actions under ``/api/v1/actions/``: thin interfaces to
``improvement.selectors`` and ``improvement.services``, with the error body, parser and
visibility rules of the complaints API (404 for an action the user may not see, 403 for a
writer without the right, 409 for a refused or stale move)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.api.errors import error_responses
from complaints.api.pagination import ComplaintCursorPagination
from complaints.api.parsers import BoundedJSONParser
from complaints.datebounds import validate_year
from complaints.models import Department, RootCause
from complaints.selectors import complaints_visible_to, may_write
from improvement import selectors, services
from improvement.filters import ActionApiFilter
from improvement.forms import MAX_LINKED
from improvement.models import TRANSITION_LABELS, CorrectiveAction

ACTION_ID = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The action's id.")
)


class ActionSerializer(serializers.ModelSerializer):
    cause = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cause_name = serializers.CharField(source="cause.__str__", read_only=True)
    complaints = serializers.SerializerMethodField(
        help_text=_("References of the linked complaints you may see.")
    )
    hidden_complaints = serializers.SerializerMethodField(
        help_text=_("How many linked complaints you may not see.")
    )

    class Meta:
        model = CorrectiveAction
        fields = [
            "id",
            "title",
            "description",
            "state",
            "version",
            "cause",
            "cause_name",
            "department",
            "owner",
            "due_on",
            "opened_at",
            "opened_by",
            "started_at",
            "completed_at",
            "evidence",
            "verified_at",
            "verified_by",
            "verification_note",
            "cancelled_at",
            "cancel_reason",
            "escalation_level",
            "escalated_at",
            "complaints",
            "hidden_complaints",
        ]
        read_only_fields = fields

    def get_complaints(self, action) -> list[str]:
        return [c.reference for c in action.visible_complaints]

    def get_hidden_complaints(self, action) -> int:
        return max(0, action.link_count - len(action.visible_complaints))


class ActionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    cause = serializers.SlugRelatedField(
        slug_field="code", queryset=RootCause.objects.filter(active=True)
    )
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.filter(active=True))
    owner = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True, staff_profile__isnull=False)
    )
    due_on = serializers.DateField(validators=[validate_year])
    complaints = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        max_length=MAX_LINKED,
        help_text=_("References of the complaints the action addresses (ones you can see)."),
    )

    def validate_complaints(self, references: list[str]):
        references = list(dict.fromkeys(r.strip().upper() for r in references))
        user = self.context["request"].user
        found = list(
            complaints_visible_to(user)
            .filter(reference__in=references)
            .only("pk", "reference", "state")
        )
        missing = sorted(set(references) - {c.reference for c in found})
        if missing:
            raise serializers.ValidationError(
                _("No complaint you can see has the reference %(refs)s.")
                % {"refs": ", ".join(missing)}
            )
        return found


class Versioned(serializers.Serializer):
    expected_version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=_("The version you read; refused with 409 if the action changed since."),
    )


class StartSerializer(Versioned):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CompleteSerializer(Versioned):
    evidence = serializers.CharField(help_text=_("Evidence that the action was carried out."))


class VerifySerializer(Versioned):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CancelSerializer(Versioned):
    reason = serializers.CharField()


TRANSITION_SERIALIZERS = {
    "start": StartSerializer,
    "complete": CompleteSerializer,
    "verify": VerifySerializer,
    "cancel": CancelSerializer,
}


class ActionPagination(ComplaintCursorPagination):
    """The complaints API's strict cursor pages (a bad page size or cursor is a 400), by due
    date: ``capa_open_due_idx`` / ``capa_dept_state_due_idx`` / ``capa_owner_state_due_idx``."""

    ordering = ("due_on", "id")


def visible_actions(request: Request) -> QuerySet[CorrectiveAction]:
    """Visible actions with what the serializer reads: the linked complaints the user may see
    (one prefetch query per page) and the number of links (in the main query)."""
    visible = (
        complaints_visible_to(request.user).only("pk", "reference", "state").order_by("reference")
    )
    return (
        selectors.actions_visible_to(request.user)
        .select_related("cause", "cause__parent")
        .annotate(link_count=Count("links", distinct=True))
        .prefetch_related(Prefetch("complaints", queryset=visible, to_attr="visible_complaints"))
    )


def _one(request: Request, pk: int) -> CorrectiveAction:
    action = visible_actions(request).filter(pk=pk).first()
    if action is None:
        raise exceptions.NotFound()
    return action


class ActionListView(generics.GenericAPIView):
    parser_classes = [BoundedJSONParser]
    serializer_class = ActionSerializer
    pagination_class = ActionPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = ActionApiFilter

    def get_queryset(self) -> QuerySet[CorrectiveAction]:
        return visible_actions(self.request)

    def get_serializer_class(self):
        if self.request is not None and self.request.method == "POST":
            return ActionCreateSerializer
        return ActionSerializer

    @extend_schema(
        operation_id="actions_list",
        tags=["improvement"],
        summary=_("List the corrective actions you may see"),
        description=_(
            "By due date. Filters: state, department, owner, cause (a root cause code; a "
            "top-level cause includes its sub-causes), overdue (true/false). Follow `next`."
        ),
        responses={200: ActionSerializer(many=True), **error_responses(400, 401)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ActionSerializer(page, many=True).data)

    @extend_schema(
        operation_id="actions_create",
        tags=["improvement"],
        summary=_("Open a corrective action"),
        request=ActionCreateSerializer,
        responses={201: ActionSerializer, **error_responses(400, 401, 403)},
    )
    def post(self, request: Request) -> Response:
        if not may_write(request.user):
            raise exceptions.PermissionDenied(_("You may not open corrective actions."))
        serializer = ActionCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        action = services.open_action(by=request.user, **serializer.validated_data)
        return Response(
            ActionSerializer(_one(request, action.pk)).data, status=status.HTTP_201_CREATED
        )


class ActionDetailView(generics.GenericAPIView):
    serializer_class = ActionSerializer
    queryset = CorrectiveAction.objects.none()  # for the schema; reads go by visibility

    @extend_schema(
        operation_id="actions_retrieve",
        tags=["improvement"],
        summary=_("One corrective action"),
        parameters=[ACTION_ID],
        responses={200: ActionSerializer, **error_responses(401, 404)},
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(ActionSerializer(_one(request, pk)).data)


class ActionTransitionView(generics.GenericAPIView):
    action_name = ""
    parser_classes = [BoundedJSONParser]
    queryset = CorrectiveAction.objects.none()

    def post(self, request: Request, pk: int) -> Response:
        data = request.data  # a body that is no JSON this API takes is a 400, whatever the id
        action = _one(request, pk)
        if not may_write(request.user):
            raise exceptions.PermissionDenied()
        serializer = self.get_serializer(data=data)
        serializer.is_valid(raise_exception=True)
        kwargs: dict[str, Any] = dict(serializer.validated_data)
        services.TRANSITIONS[self.action_name](action, by=request.user, **kwargs)
        return Response(ActionSerializer(_one(request, pk)).data)


def _transition_view(name: str) -> type[ActionTransitionView]:
    def post(self, request: Request, pk: int) -> Response:
        return ActionTransitionView.post(self, request, pk)

    post = extend_schema(
        operation_id=f"actions_{name}",
        tags=["improvement"],
        summary=TRANSITION_LABELS[name],
        description=_(
            "Returns the action after the move. 403 when you may not make it, 409 when the "
            "state does not allow it, a condition is missing (evidence, a reason, a verifier "
            "other than the owner) or the version you sent is stale."
        ),
        parameters=[ACTION_ID],
        request=TRANSITION_SERIALIZERS[name],
        responses={200: ActionSerializer, **error_responses(400, 401, 403, 404, 409)},
    )(post)
    return type(
        f"Action{name.title()}View",
        (ActionTransitionView,),
        {"action_name": name, "serializer_class": TRANSITION_SERIALIZERS[name], "post": post},
    )


TRANSITION_VIEWS = {name: _transition_view(name) for name in TRANSITION_SERIALIZERS}
