"""``GET /api/v1/reports/quarterly/<yyyy>/<n>/`` and ``GET /api/v1/reports/annual/<yyyy>/``.

The quarterly and annual reports as JSON, mirroring the monthly report's API
(``reporting.api``): the same figures, scope rules and cache as the pages
(``period_selectors.period_report``). Read-only. A period that cannot be reported on (quarter
0 or 5, a year before the calendar's first or not yet begun) is a 404 with the reason.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.db import replica_reads
from reporting import period_selectors, selectors
from reporting.api import (
    KINDS,
    BreakdownSerializer,
    LeagueRowSerializer,
    ScopeSerializer,
    TrendPointSerializer,
    _breakdowns,
    _league,
    _number,
    _rate,
    _scope,
    _target,
)
from reporting.period_views import BadPeriod, choose


class PeriodFigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable identifier, e.g. on_time_rate.")
    label = serializers.CharField(help_text="Name in the request's language.")
    # A plain string (the monthly API's FigureSerializer owns the enum of these values, and a
    # second component with the same choices would make drf-spectacular name it by a hash).
    kind = serializers.CharField(help_text="One of: " + ", ".join(KINDS) + ".")
    value = serializers.FloatField(allow_null=True, help_text="Null: nothing to measure.")
    same_period_last_year = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(
        allow_null=True, help_text="value - same_period_last_year (percentage points for rates)."
    )
    target = serializers.CharField(allow_null=True, help_text="e.g. '>= 95' (DOMAIN.md targets).")
    changed_since_issue = serializers.BooleanField(
        help_text="With live=1: the live recomputation differs from the issued figure."
    )
    issued_value = serializers.FloatField(allow_null=True, help_text="When changed: as issued.")


class PeriodReportSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-Qn or YYYY")
    period_kind = serializers.ChoiceField(choices=["quarter", "year"])
    months = serializers.ListField(child=serializers.CharField(), help_text="YYYY-MM summed.")
    scope = ScopeSerializer()
    finished = serializers.BooleanField(help_text="False while the period's last month runs.")
    provisional = serializers.BooleanField(help_text="Live figures of an unfinished period.")
    issued_at = serializers.DateTimeField(allow_null=True)
    showing_issued = serializers.BooleanField()
    medians_available = serializers.BooleanField()
    figures = PeriodFigureSerializer(many=True)
    breakdowns = BreakdownSerializer(many=True)
    league = LeagueRowSerializer(many=True)
    trend = TrendPointSerializer(many=True, help_text="The period's months.")
    same_period_last_year_trend = TrendPointSerializer(many=True)
    sections = serializers.ListField(
        child=serializers.DictField(), help_text="Further sections, e.g. corrective actions."
    )


def _trend(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "month": p["month"],
            "received": p["received"],
            "resolved": p["resolved"],
            "on_time_rate": _rate(p["on_time_rate"]),
            "satisfaction_rate": _rate(p["satisfaction_rate"]),
        }
        for p in points
    ]


def serialize(report: period_selectors.PeriodReport) -> dict[str, Any]:
    return {
        "period": str(report.period),
        "period_kind": report.period.kind,
        "months": list(report.bundle.get("months", [])),
        "scope": _scope(report),
        "finished": report.period.is_finished(),
        "provisional": report.provisional,
        "issued_at": report.snapshot.issued_at if report.snapshot else None,
        "showing_issued": report.showing_issued,
        "medians_available": report.medians_available,
        "figures": [
            {
                "key": row.key,
                "label": str(row.label),
                "kind": row.kind,
                "value": _number(row.value),
                "same_period_last_year": _number(row.last_year),
                "change": _number(row.change),
                "target": _target(row),
                "changed_since_issue": row.changed,
                "issued_value": _number(row.other),
            }
            for row in report.rows
        ],
        "breakdowns": _breakdowns(report.breakdowns),
        "league": _league(report.league),
        "trend": _trend(report.trend),
        "same_period_last_year_trend": _trend(report.last_year_trend),
        # The sections' data without what only the page and the exports use.
        "sections": [
            {k: v for k, v in section.items() if k not in ("template", "rows")}
            for section in report.extra_sections
        ],
    }


COMMON_PARAMETERS = [
    OpenApiParameter(
        "year", OpenApiTypes.INT, OpenApiParameter.PATH, description="Four digits: 2026."
    ),
    OpenApiParameter(
        "department", OpenApiTypes.INT, description="Department id (general manager, auditors)."
    ),
    OpenApiParameter(
        "live", OpenApiTypes.BOOL, description="1: recompute instead of the issued figures."
    ),
]
DESCRIPTION = (
    "The monthly report's figures summed over the period (counts added, rates from the summed "
    "numerators and denominators), each beside the same period of the previous year with the "
    "change; breakdowns, the department league table and the period's months. Scopes as the "
    "monthly report. A finished period shows its figures as issued; an unfinished one is "
    "provisional."
)


class _PeriodReportView(APIView):
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    def _respond(self, request: Request, year: int, quarter: int | None) -> Response:
        try:
            period = choose(year, quarter)
        except BadPeriod as error:
            raise NotFound(str(error)) from error
        scope = selectors.resolve_scope(request.user, request.query_params.get("department"))
        live = request.query_params.get("live") in ("1", "true")
        with replica_reads():
            report = period_selectors.period_report(request.user, scope, period, live=live)
        return Response(PeriodReportSerializer(serialize(report)).data)


class QuarterlyReportView(_PeriodReportView):
    """The quarterly report of ``year`` quarter ``quarter`` for the requesting user's scope."""

    @extend_schema(
        operation_id="reports_quarterly_retrieve",
        summary="Quarterly complaints report",
        description=DESCRIPTION,
        parameters=[
            *COMMON_PARAMETERS,
            OpenApiParameter(
                "quarter", OpenApiTypes.INT, OpenApiParameter.PATH, description="1 to 4."
            ),
        ],
        responses={200: PeriodReportSerializer},
        tags=["reports"],
    )
    def get(self, request: Request, year: int, quarter: int) -> Response:
        return self._respond(request, year, quarter)


class AnnualReportView(_PeriodReportView):
    """The annual report of ``year`` for the requesting user's scope."""

    @extend_schema(
        operation_id="reports_annual_retrieve",
        summary="Annual complaints report",
        description=DESCRIPTION,
        parameters=COMMON_PARAMETERS,
        responses={200: PeriodReportSerializer},
        tags=["reports"],
    )
    def get(self, request: Request, year: int) -> Response:
        return self._respond(request, year, None)
