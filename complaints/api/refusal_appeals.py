"""POST /api/v1/complaints/<reference>/decide-refusal-appeal/: decide an appeal against a
refusal (不予受理复查) through ``complaints.refusal_appeals.decide``, as the staff page does."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from complaints import forms, refusal_appeals
from complaints.api import serializers as s
from complaints.api import views
from complaints.api.errors import error_responses
from complaints.api.parsers import BoundedJSONParser
from complaints.models import Complaint


class DecideRefusalAppealSerializer(s.TransitionSerializer):
    outcome = serializers.ChoiceField(
        choices=forms.RefusalAppealDecisionForm.OUTCOMES,
        help_text=_("upheld: the refusal stands; overturned: the original complaint is accepted."),
    )
    explanation = s.StrictCharField(
        max_length=5000, help_text=_("The reasons given to the complainant; kept in the history.")
    )
    category = serializers.PrimaryKeyRelatedField(
        queryset=s.form_queryset(forms.RefusalAppealDecisionForm, "category"),
        required=False,
        allow_null=True,
        help_text=_("When overturned: the accepted complaint's category (default: its own)."),
    )
    priority = serializers.ChoiceField(
        choices=s.form_choices(forms.RefusalAppealDecisionForm, "priority")[1:],
        required=False,
        allow_blank=True,
    )
    department = serializers.PrimaryKeyRelatedField(
        queryset=s.form_queryset(forms.RefusalAppealDecisionForm, "department"),
        required=False,
        allow_null=True,
        help_text=_("When overturned: who handles it (default: its own, else the appeal's)."),
    )


class DecideRefusalAppealView(generics.GenericAPIView):
    """Uphold or overturn a refusal on appeal; returns the appeal and the original complaint."""

    parser_classes = [BoundedJSONParser]
    serializer_class = DecideRefusalAppealSerializer
    queryset = Complaint.objects.none()  # for the schema generator; posts fetch by visibility

    @extend_schema(
        operation_id="complaints_decide_refusal_appeal",
        tags=["lifecycle"],
        summary=_("Decide an appeal against a refusal (不予受理复查)"),
        parameters=[views.REFERENCE, views.IF_MATCH],
        request=DecideRefusalAppealSerializer,
        responses={
            200: inline_serializer(
                "RefusalAppealDecision",
                {"appeal": s.ComplaintSerializer(), "original": s.ComplaintSerializer()},
            ),
            **error_responses(400, 401, 403, 404, 409),
        },
    )
    def post(self, request: Request, reference: str) -> Response:
        body = request.data  # a body that is no JSON this API takes is a 400, whatever the target
        appeal = views.complaint_for_write(request, reference)
        if not refusal_appeals.is_refusal_appeal(appeal):
            raise exceptions.NotFound(_("This complaint is not an appeal against a refusal."))
        serializer = self.get_serializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        expected = data.pop("expected_version", None)
        if expected is None:
            expected = views._if_match_version(request)
        appeal, original = refusal_appeals.decide(
            appeal,
            by=request.user,
            overturn=data["outcome"] == "overturned",
            explanation=data["explanation"],
            category=data.get("category"),
            priority=data.get("priority", ""),
            department=data.get("department"),
            expected_version=expected,
        )
        context = {"request": request}
        body = {
            "appeal": s.ComplaintSerializer(appeal, context=context).data,
            "original": s.ComplaintSerializer(original, context=context).data,
        }
        return Response(body, headers={"ETag": views._etag(appeal)})
