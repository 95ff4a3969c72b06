"""The accountability table's page and exports (GET only: reports change nothing)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from complaints.db import replica_reads
from reporting import exports
from reporting.accountability import Period, accountability_table, export_rows, headers


def _period(request: HttpRequest) -> Period | None:
    text = request.GET.get("period")
    if not text:
        return Period.current_month()
    try:
        return Period.parse(text)
    except ValueError:
        return None


@login_required
@require_safe
def accountability(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    if period is None:
        response = render(
            request,
            "reporting/accountability.html",
            {
                "error": _("Give a month (2026-11), a quarter (2026-Q4) or a year (2026)."),
                "period_text": request.GET.get("period", ""),
            },
        )
        response.status_code = 400
        return response
    with replica_reads():
        table = accountability_table(request.user, period)
    return render(
        request,
        "reporting/accountability.html",
        {"table": table, "headers": headers(), "period_text": str(period)},
    )


@login_required
@require_safe
def accountability_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    period = _period(request)
    if period is None:
        return HttpResponse(
            _("Give a month (2026-11), a quarter (2026-Q4) or a year (2026)."), status=400
        )
    with replica_reads():
        rows = export_rows(accountability_table(request.user, period))
    filename = f"accountability-{period}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(filename, rows)
    return exports.xlsx_stream_response(filename, str(period), rows)
