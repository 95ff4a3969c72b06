"""The regulator export's addresses: the files under ``/reports/regulator/<period>/`` and the
JSON under ``/api/v1/reports/regulator/<period>/``. Read-only, GET only.

Who: the general manager and auditors (the whole organisation, or ``?department=<id>``) and
department managers (their department), by ``selectors.resolve_scope`` on top of the one
visibility rule; frontline staff get 403.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import rules
from complaints.db import replica_iter, replica_reads
from complaints.models import Department
from reporting import regulator, regulator_files, selectors

PAGE_SIZE = 500


def _scope(user, department: str | None) -> selectors.Scope:
    if rules.tier_of(user) not in (rules.MANAGER, rules.GM, rules.AUDITOR):
        raise PermissionDenied
    return selectors.resolve_scope(user, department)


def scope_label(scope: selectors.Scope) -> str:
    if scope.kind == "department":
        return Department.objects.values_list("name", flat=True).get(pk=scope.department_id)
    return _("Whole organisation")


@login_required
@require_safe
def export(request, period: str, fmt: str):
    """``export.csv``: the rows; ``export.xlsx``: rows, About and Summary sheets."""
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    return _export(request, period, fmt)


@login_required
@require_safe
def summary(request, period: str):
    """``summary.csv``: the period's figures."""
    return _export(request, period, "summary")


def _export(request, period: str, fmt: str):
    scope = _scope(request.user, request.GET.get("department"))
    try:
        chosen = regulator.parse_period(period)
    except regulator.BadPeriod as exc:
        return HttpResponseBadRequest(str(exc.args[0]), content_type="text/plain; charset=utf-8")
    complaints = regulator.period_complaints(request.user, scope, chosen)
    if fmt == "summary":
        with replica_reads():
            figures = regulator.summary(request.user, scope, chosen)
        name = regulator_files.filename(chosen, scope.key, "csv", "_summary")
        return regulator_files.summary_csv(name, figures)
    if fmt == "csv":
        name = regulator_files.filename(chosen, scope.key, "csv")
        # Rows are read while the response streams, after this view returned.
        return regulator_files.rows_csv(name, replica_iter(regulator.rows(complaints)))
    with replica_reads():
        handle = regulator_files.workbook(
            chosen,
            scope_label(scope),
            regulator.rows(complaints),
            regulator.summary(request.user, scope, chosen),
        )
    return regulator_files.rows_xlsx(regulator_files.filename(chosen, scope.key, "xlsx"), handle)


# --- API ----------------------------------------------------------------------------------------


def _cursor(text: str | None) -> tuple[dt.datetime, int] | None:
    """``<received_at as epoch microseconds>.<id>``, as ``next`` gives it."""
    if not text:
        return None
    micros, _dot, pk = text.partition(".")
    if not (micros.isdigit() and pk.isdigit()):
        raise exceptions.ValidationError({"after": [_("Not a cursor this list gave.")]})
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=int(micros))
    return moment, int(pk)


def _cursor_text(cursor: tuple[dt.datetime, int]) -> str:
    received, pk = cursor
    delta = received - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return f"{delta // dt.timedelta(microseconds=1)}.{pk}"


def payload(user, scope, chosen, after: str | None) -> dict[str, Any]:
    """One page of the JSON: the dictionary and the figures on the first page, then up to
    ``PAGE_SIZE`` complaints and the cursor of the next page (keyset, so page 2,000 costs what
    page 1 does)."""
    complaints = regulator.period_complaints(user, scope, chosen)
    cursor = _cursor(after)
    if cursor is not None:
        complaints = regulator.after(complaints, cursor)
    page = list(islice(regulator.rows(complaints[: PAGE_SIZE + 1]), PAGE_SIZE + 1))
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    body: dict[str, Any] = {
        "format": regulator.FORMAT_VERSION,
        "period": str(chosen),
        "scope": scope.key,
        "time_zone": str(regulator.zone()),
        "generated_at": timezone.localtime(timezone.now(), regulator.zone()).isoformat(),
        "complaints": [
            {c.key: regulator.json_value(c, row[c.key]) for c in regulator.COLUMNS} for row in page
        ],
        "next": _cursor_text(page[-1]["_cursor"]) if more else None,
    }
    if cursor is None:
        body["columns"] = [
            {
                "key": c.key,
                "zh": c.zh,
                "en": c.en,
                "type": c.type,
                "meaning": str(c.meaning),
                "allowed": c.allowed.split("|") if c.allowed else [],
            }
            for c in regulator.COLUMNS
        ]
        body["summary"] = [
            {"key": key, "label": str(label), "value": None if value is None else float(value)}
            for key, label, value in regulator.summary(user, scope, chosen)
        ]
    return body


class RegulatorExportView(APIView):
    """The regulator export of a period as JSON (format ``redress-regulator/1``)."""

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        operation_id="reports_regulator_retrieve",
        summary="Regulator and hotline export",
        description=(
            "The complaints received in the period (a month 2026-11, a quarter 2026-Q4 or a "
            "year 2026), one object per complaint keyed by the column dictionary, the "
            "dictionary itself and the period's figures (first page only). Keyset pages of "
            f"{PAGE_SIZE}: pass `next` back as `after`. General managers and auditors: the "
            "organisation or `department`; department managers: their department."
        ),
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, OpenApiParameter.PATH),
            OpenApiParameter("department", OpenApiTypes.INT),
            OpenApiParameter("after", OpenApiTypes.STR, description="`next` of the last page."),
        ],
        responses={200: OpenApiTypes.OBJECT},
        tags=["reports"],
    )
    def get(self, request: Request, period: str) -> Response:
        scope = _scope(request.user, request.query_params.get("department"))
        try:
            chosen = regulator.parse_period(period)
        except regulator.BadPeriod as exc:
            raise exceptions.ValidationError({"period": [str(exc.args[0])]}) from exc
        with replica_reads():
            body = payload(request.user, scope, chosen, request.query_params.get("after"))
        response = Response(body)
        response["X-Redress-Format"] = regulator.FORMAT_VERSION
        return response
