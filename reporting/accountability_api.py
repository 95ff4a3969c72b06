"""``GET /api/v1/reports/accountability/?period=2026-11|2026-Q4|2026``: the accountability
table as JSON, with the page's definitions, scope and rounding (``reporting.accountability``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.db import replica_reads
from reporting.accountability import Period, Row, accountability_table


class AccountabilityRowSerializer(serializers.Serializer):
    department_id = serializers.IntegerField(allow_null=True)
    person_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    substantiated = serializers.IntegerField()
    major = serializers.IntegerField()
    repeats = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    satisfaction_rate = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    contests = serializers.IntegerField()
    overturned = serializers.IntegerField()


class AccountabilityTableSerializer(serializers.Serializer):
    period = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    units = AccountabilityRowSerializer(many=True)
    people = AccountabilityRowSerializer(many=True)


def _row(row: Row, *, person: bool) -> dict[str, Any]:
    department_id, person_id = row.key if person else (row.key, None)
    return {
        "department_id": department_id,
        "person_id": person_id,
        "name": row.name,
        **{key: row.get(key) for key in ("substantiated", "major", "repeats")},
        "on_time_rate": row.on_time_rate,
        "satisfaction_rate": row.satisfaction_rate,
        "contests": row.get("contests"),
        "overturned": row.get("overturned"),
    }


class AccountabilityReportView(APIView):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="reports_accountability_retrieve",
        summary=_("Accountability table (责任认定统计)"),
        description=_(
            "Per responsible department and person: complaints substantiated in the period "
            "(by resolution), of which major and repeat, on-time and satisfaction rates, "
            "contests made and overturned. Scoped as the page: general managers and auditors "
            "everything, a department manager their unit, frontline staff their own row."
        ),
        parameters=[
            OpenApiParameter(
                "period",
                OpenApiTypes.STR,
                description=_("2026-11 (month), 2026-Q4 (quarter) or 2026 (year)."),
            )
        ],
        responses={200: AccountabilityTableSerializer},
        tags=["reports"],
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("period")
        try:
            period = Period.parse(text) if text else Period.current_month()
        except ValueError as exc:
            raise exceptions.ValidationError(
                {"period": [_("Give a month (2026-11), a quarter (2026-Q4) or a year (2026).")]}
            ) from exc
        with replica_reads():
            table = accountability_table(request.user, period)
        data = {
            "period": str(period),
            "start": period.start,
            "end": period.end,
            "units": [_row(row, person=False) for row in table.units],
            "people": [_row(row, person=True) for row in table.people],
        }
        return Response(AccountabilityTableSerializer(data).data)
