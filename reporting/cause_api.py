"""``GET /api/v1/reports/recurring-causes/``: the recurring-causes page as JSON (issue 16).

The same selector, scope and visibility as the page (``reporting.causes.recurring_causes``);
token or session authentication as configured in ``settings.REST_FRAMEWORK``. Read-only.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.db import replica_reads
from reporting import causes, selectors
from reporting.forms import RecurringCausesForm


class DepartmentCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    complaints = serializers.IntegerField()


class RecurrenceSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The finer root cause's code.")
    name = serializers.CharField(help_text="Parent / finer cause.")
    complaints = serializers.IntegerField(help_text="Resolved with this cause in the window.")
    departments = DepartmentCountSerializer(many=True)
    references = serializers.ListField(
        child=serializers.CharField(), help_text="The latest 50, newest resolution first."
    )
    complaints_url = serializers.CharField()
    action_url = serializers.CharField(
        allow_null=True, help_text="Managers and the general manager: the pre-filled create page."
    )


class RecurringCausesSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    minimum = serializers.IntegerField(help_text="settings.REDRESS_RECURRING_CAUSE_MIN")
    causes = RecurrenceSerializer(many=True)


class RecurringCausesView(APIView):
    """Finer causes recurring in the window without an open corrective action."""

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="reports_recurring_causes_retrieve",
        summary="Recurring root causes without a corrective action",
        parameters=[
            OpenApiParameter("days", OpenApiTypes.INT, enum=list(causes.WINDOWS)),
            OpenApiParameter(
                "department",
                OpenApiTypes.INT,
                description="Department id (general manager and auditors only).",
            ),
        ],
        responses={200: RecurringCausesSerializer},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        department = request.query_params.get("department")
        scope = selectors.resolve_scope(request.user, department)
        form = RecurringCausesForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors)
        days = form.cleaned_data.get("days") or causes.DEFAULT_WINDOW
        minimum = settings.REDRESS_RECURRING_CAUSE_MIN
        with replica_reads():
            items = causes.recurring_causes(
                selectors.complaints_for(scope, request.user),
                days=days,
                minimum=minimum,
                user=request.user,
            )
        data = {
            "days": days,
            "minimum": minimum,
            "causes": [
                {
                    "code": item.code,
                    "name": str(item.name),
                    "complaints": item.count,
                    "departments": [
                        {"name": str(name), "complaints": n} for name, n in item.departments
                    ],
                    "references": item.references,
                    "complaints_url": item.complaints_url,
                    "action_url": item.action_url,
                }
                for item in items
            ],
        }
        return Response(RecurringCausesSerializer(data).data)
