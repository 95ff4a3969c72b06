"""``GET /api/v1/reports/monthly/<yyyy>-<mm>/``: the monthly report as JSON.

The same figures, scope rules and cache as the report page (``selectors.monthly_report``);
token or session authentication as configured in ``settings.REST_FRAMEWORK``. Read-only.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.db import replica_reads
from reporting import causes, figures, selectors
from reporting.months import Month

KINDS = ["count", "hours", "rate", "money"]


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Stable identifier, e.g. on_time_rate.")
    label = serializers.CharField(help_text="Name in the request's language.")
    kind = serializers.ChoiceField(
        choices=KINDS, help_text="count; hours; rate (percent); money (organisation currency)."
    )
    value = serializers.FloatField(allow_null=True, help_text="Null: nothing to measure.")
    previous_month = serializers.FloatField(allow_null=True)
    same_month_last_year = serializers.FloatField(allow_null=True)
    target = serializers.CharField(allow_null=True, help_text="e.g. '>= 95' (DOMAIN.md targets).")
    changed_since_issue = serializers.BooleanField(
        help_text="The live recomputation differs from the issued month-end figure."
    )
    other_value = serializers.FloatField(
        allow_null=True,
        help_text="When changed: the live value (if showing issued) or the issued one.",
    )


class BreakdownRowSerializer(serializers.Serializer):
    id = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    value = serializers.IntegerField()
    previous = serializers.IntegerField()
    change = serializers.IntegerField()


class BreakdownSerializer(serializers.Serializer):
    key = serializers.ChoiceField(
        choices=["top_category", "category", "channel", "department", "priority"]
    )
    title = serializers.CharField()
    rows = BreakdownRowSerializer(many=True)


class LeagueRowSerializer(serializers.Serializer):
    department_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)
    repeats = serializers.IntegerField()


class ImprovementPointSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["category", "department", "cause"])
    name = serializers.CharField()
    reason = serializers.CharField()
    code = serializers.CharField(
        allow_null=True, help_text="The root cause's code (cause points only)."
    )
    complaints_url = serializers.CharField(
        allow_null=True, help_text="The staff complaint list filtered to the complaints behind it."
    )
    action_url = serializers.CharField(
        allow_null=True,
        help_text="Cause points, for managers and the general manager: the corrective action's "
        "create page pre-filled with the cause and the latest 50 complaints behind it.",
    )


class RootCauseRowSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The root cause's code (top level or finer).")
    name = serializers.CharField()
    other = serializers.CharField(
        required=False, help_text="The department or category (cross tables only)."
    )
    value = serializers.IntegerField(help_text="Complaints resolved in the month.")
    previous = serializers.IntegerField(
        allow_null=True, help_text="Null: the previous month's report did not count causes."
    )
    change = serializers.IntegerField(allow_null=True)


class RootCauseTableSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["top", "finer", "department", "category"])
    title = serializers.CharField()
    rows = RootCauseRowSerializer(many=True)


class RootCausesSerializer(serializers.Serializer):
    recorded = serializers.BooleanField(
        help_text="False: the month was issued before root causes were counted."
    )
    tables = RootCauseTableSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    on_time_rate = serializers.FloatField(allow_null=True)
    satisfaction_rate = serializers.FloatField(allow_null=True)


class ScopeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["org", "department", "personal"])
    department_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()


class MonthlyReportSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    scope = ScopeSerializer()
    finished = serializers.BooleanField(help_text="False while the month is still running.")
    issued_at = serializers.DateTimeField(
        allow_null=True, help_text="When the month-end report was issued; null if not issued."
    )
    showing_issued = serializers.BooleanField(
        help_text="True: figures as issued (default); false: a live recomputation (?live=1)."
    )
    medians_available = serializers.BooleanField(
        help_text="False on SQLite, which cannot compute medians in SQL."
    )
    figures = FigureSerializer(many=True)
    breakdowns = BreakdownSerializer(many=True)
    league = LeagueRowSerializer(many=True)
    improvement_points = ImprovementPointSerializer(many=True)
    root_causes = RootCausesSerializer()
    trend = TrendPointSerializer(many=True)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _rate(rate: dict[str, int]) -> float | None:
    # The page's rounding (half up from the counts), as a JSON number.
    return _number(figures.percent(rate))


def _target(row) -> str | None:
    if not row.target:
        return None
    goal, direction = row.target
    return f">= {goal}" if direction == "min" else f"<= {goal}"


def _scope(report) -> dict[str, Any]:
    return {
        "kind": report.scope.kind,
        "department_id": report.scope.department_id,
        "label": str(report.scope_label),
    }


def _breakdowns(breakdowns) -> list[dict[str, Any]]:
    """The breakdowns of a monthly or period report (``reporting.sections.Breakdown``)."""
    return [
        {
            "key": b.key,
            "title": str(b.title),
            "rows": [
                {
                    "id": None if r["id"] is None else str(r["id"]),
                    "name": str(r["name"]),
                    "value": r["value"],
                    "previous": r["previous"],
                    "change": r["change"],
                }
                for r in b.rows
            ],
        }
        for b in breakdowns
    ]


def _league(league) -> list[dict[str, Any]]:
    return [{**row, "name": str(row["name"])} for row in league]


def serialize(report: selectors.MonthlyReport) -> dict[str, Any]:
    return {
        "month": str(report.month),
        "scope": _scope(report),
        "finished": report.month.is_finished(),
        "issued_at": report.snapshot.issued_at if report.snapshot else None,
        "showing_issued": report.showing_issued,
        "medians_available": report.medians_available,
        "figures": [
            {
                "key": row.key,
                "label": str(row.label),
                "kind": row.kind,
                "value": _number(row.value),
                "previous_month": _number(row.previous),
                "same_month_last_year": _number(row.last_year),
                "target": _target(row),
                "changed_since_issue": row.changed,
                "other_value": _number(row.other),
            }
            for row in report.rows
        ],
        "breakdowns": _breakdowns(report.breakdowns),
        "league": _league(report.league),
        "improvement_points": [
            {
                "kind": p["kind"],
                "name": str(p["name"]),
                "reason": str(p["reason"]),
                "code": p.get("code"),
                "complaints_url": p.get("complaints_url"),
                "action_url": p.get("action_url"),
            }
            for p in report.improvement_points
        ],
        "root_causes": causes.serialize(report.causes),
        "trend": [
            {
                "month": point["month"],
                "received": point["received"],
                "resolved": point["resolved"],
                "on_time_rate": _rate(point["on_time_rate"]),
                "satisfaction_rate": _rate(point["satisfaction_rate"]),
            }
            for point in report.trend
        ],
    }


class MonthlyReportView(APIView):
    """The monthly report of ``year``-``month`` for the requesting user's scope."""

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="reports_monthly_retrieve",
        summary="Monthly complaints report",
        description=(
            "Headline figures with the previous month and the same month last year, breakdowns "
            "by category, channel, department and priority, the department league table, "
            "improvement points (with links to the complaints behind them), the month's "
            "resolutions by root cause (top level, finer, by department, by category) and a "
            "12-month trend. General managers and auditors get the "
            "whole organisation or `department`; a department manager their department; "
            "frontline staff a personal summary of the complaints they handle. A finished month "
            "shows its figures as issued at month end unless `live=1`."
        ),
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, OpenApiParameter.PATH, description="Four digits: 2026."
            ),
            OpenApiParameter(
                "month", OpenApiTypes.INT, OpenApiParameter.PATH, description="Two digits: 01-12."
            ),
            OpenApiParameter(
                "department",
                OpenApiTypes.INT,
                description="Department id (general manager and auditors only).",
            ),
            OpenApiParameter(
                "live", OpenApiTypes.BOOL, description="1: recompute instead of the issued figures."
            ),
        ],
        responses={200: MonthlyReportSerializer},
        tags=["reports"],
    )
    def get(self, request: Request, year: int, month: int) -> Response:
        try:
            chosen = Month(year, month)
        except ValueError as exc:
            raise Http404 from exc
        if chosen > Month.current():
            raise Http404
        scope = selectors.resolve_scope(request.user, request.query_params.get("department"))
        live = request.query_params.get("live") in ("1", "true")
        with replica_reads():
            report = selectors.monthly_report(request.user, scope, chosen, live=live)
        return Response(MonthlyReportSerializer(serialize(report)).data)
