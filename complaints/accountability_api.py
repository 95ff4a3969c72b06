"""The API of responsibility contests: the same services and visibility as the pages.

``POST /api/v1/complaints/<reference>/contest/``  the named person contests (201)
``POST /api/v1/contests/<id>/decide/``            a manager decides (200)

Refusals keep the service's status through ``complaints.api.errors``: 403 for someone who may
not act, 409 for a finding already contested, out of time, or a contest already decided; 400
for bad input; 404 for what the user may not see.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import accountability, selectors
from complaints.api.errors import error_responses
from complaints.api.parsers import BoundedJSONParser
from complaints.models import ResponsibilityContest

MAX_TEXT = 4000


class ContestSerializer(serializers.ModelSerializer):
    complaint = serializers.CharField(source="complaint.reference", read_only=True)

    class Meta:
        model = ResponsibilityContest
        fields = [
            "id",
            "complaint",
            "contested_by",
            "contested_at",
            "reason",
            "outcome",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ContestRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=MAX_TEXT, help_text=_("The grounds of the contest."))


class DecideRequestSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=accountability.Outcome.choices)
    note = serializers.CharField(max_length=MAX_TEXT, help_text=_("The reasons for the decision."))


def _refuse_readers(request: Request) -> None:
    if not selectors.may_write(request.user):
        raise exceptions.PermissionDenied()


class ContestView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="complaints_contest_responsibility",
        tags=["accountability"],
        summary=_("Contest the responsibility finding that names you (责任认定申诉)"),
        request=ContestRequestSerializer,
        responses={201: ContestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, reference: str) -> Response:
        _refuse_readers(request)
        # The body first: malformed input is a 400 whatever the address names.
        body = ContestRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = accountability.complaint_for_contest(request.user, reference)
        row = accountability.contest(complaint, by=request.user, **body.validated_data)
        return Response(ContestSerializer(row).data, status=status.HTTP_201_CREATED)


class DecideView(APIView):
    parser_classes = [BoundedJSONParser]

    @extend_schema(
        operation_id="contests_decide",
        tags=["accountability"],
        summary=_("Uphold or overturn a contested responsibility finding"),
        request=DecideRequestSerializer,
        responses={200: ContestSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request: Request, pk: int) -> Response:
        _refuse_readers(request)
        body = DecideRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = accountability.contests_visible_to(request.user).get(pk=pk)
        except ResponsibilityContest.DoesNotExist as exc:
            raise exceptions.NotFound() from exc
        row = accountability.decide_contest(row, by=request.user, **body.validated_data)
        return Response(ContestSerializer(row).data)
