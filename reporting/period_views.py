"""The quarterly and annual report pages and their exports. Read-only: GET (and HEAD) only.

    /reports/quarterly/2026/Q1/                   reporting:quarterly
    /reports/annual/2026/                         reporting:annual
    …/figures.csv, figures.xlsx                   reporting:quarterly_figures, annual_figures
    …/complaints.csv, complaints.xlsx             reporting:quarterly_complaints, annual_complaints

The same scope rules, department picker and rendered-page cache as the monthly report.
"""

from __future__ import annotations

import hashlib
import json

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from complaints.db import replica_iter, replica_reads
from complaints.models import Department
from reporting import exports, period_exports, period_selectors, selectors, services
from reporting.charts import CONTENT_ADDRESSED, with_nonce
from reporting.models import ReportCache
from reporting.months import Month
from reporting.period_charts import period_charts
from reporting.periods import Period
from reporting.views import NONCE_PLACEHOLDER, PAGE_DAYS


class BadPeriod(Exception):
    """A period nobody can report on; the message says why."""


def choose(year: int, quarter: int | None) -> Period:
    """The period asked for, or BadPeriod with a message the reader understands."""
    if quarter is not None and not 1 <= quarter <= 4:
        raise BadPeriod(
            _("There is no quarter %(quarter)s: a year has quarters 1 to 4.") % {"quarter": quarter}
        )
    first = settings.REDRESS_REPORT_CALENDAR_FIRST_YEAR
    if year < first:
        raise BadPeriod(_("Reports start in %(first)s.") % {"first": first})
    if year > Month.current().year:
        raise BadPeriod(_("The year %(year)s has not started yet.") % {"year": year})
    period = Period(year, quarter or 0)
    if not period.has_started():
        raise BadPeriod(_("%(period)s has not started yet.") % {"period": period.label})
    return period


def _bad(request, error: BadPeriod):
    response = render(request, "reporting/bad_period.html", {"message": str(error)})
    response.status_code = 404
    return response


def pick(request):
    """The period picker: ``?period=2026-Q1`` or ``?period=2026`` → that report (with the
    department kept); not a period → 400, a period that cannot be reported on → 404."""
    text = request.GET.get("period", "").strip()
    try:
        wanted = Period.parse(text)
    except ValueError:
        response = render(
            request,
            "reporting/bad_period.html",
            {"message": _("Enter a quarter as 2026-Q1 or a year as 2026.")},
        )
        response.status_code = 400
        return response
    try:
        period = choose(wanted.year, wanted.quarter or None)
    except BadPeriod as error:
        return _bad(request, error)
    return redirect(period_url(period, department=request.GET.get("department")))


def period_url(period: Period, name: str = "", fmt: str | None = None, **params) -> str:
    args = [period.year, period.quarter] if period.quarter else [period.year]
    if fmt:
        args.append(fmt)
    url = reverse(f"reporting:{period.kind_name}{name}", args=args)
    params = {k: v for k, v in params.items() if v}
    return f"{url}?{urlencode(params)}" if params else url


@login_required
@require_safe
def quarterly(request, year: int, quarter: int):
    return _page(request, year, quarter)


@login_required
@require_safe
def annual(request, year: int):
    return _page(request, year, None)


@csp_update({"style-src": [NONCE]})
def _page(request, year: int, quarter: int | None):
    try:
        period = choose(year, quarter)
    except BadPeriod as error:
        return _bad(request, error)
    department = request.GET.get("department")
    scope = selectors.resolve_scope(request.user, department)
    with replica_reads():
        report = period_selectors.period_report(
            request.user, scope, period, live=request.GET.get("live") == "1"
        )
        context = _controls(request.user, period, department)
    body = _body(report, context).replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    return render(
        request,
        "reporting/period.html",
        {"report": report, "body": mark_safe(body)},  # noqa: S308 - our own rendered template
    )


def _controls(user, period: Period, department: str | None) -> dict:
    following = period.following
    containing = [Period(period.year, q) for q in range(1, 5)] if not period.quarter else []
    return {
        "departments": list(Department.objects.order_by("name").values_list("pk", "name"))
        if selectors.may_choose_department(user)
        else None,
        "department": department or "",
        "previous_url": period_url(period.previous, department=department),
        "next_url": period_url(following, department=department)
        if following.has_started()
        else None,
        "live_url": period_url(period, department=department, live="1"),
        "issued_url": period_url(period, department=department),
        "year_url": period_url(Period(period.year), department=department)
        if period.quarter
        else None,
        "quarter_links": [
            (q.label, period_url(q, department=department)) for q in containing if q.has_started()
        ],
        "month_links": {
            str(m): reverse("reporting:monthly", args=[m.year, m.month])
            + (f"?{urlencode({'department': department})}" if department else "")
            for m in period.started()
        },
        "export_query": urlencode({"department": department}) if department else "",
    }


def _body(report: period_selectors.PeriodReport, context: dict) -> str:
    """The report as rendered HTML, cached under a digest of everything it shows."""
    digest = hashlib.sha256(
        json.dumps(
            {
                "kind": "period",
                "language": get_language(),
                "report": period_selectors.fingerprint(report),
                "context": context,
            },
            sort_keys=True,
            default=str,
        ).encode()
    ).hexdigest()
    key = f"page:{digest}"
    cached = ReportCache.objects.filter(key=key).values_list("payload", flat=True).first()
    if cached is not None:
        return cached["html"]
    charts = {
        name: with_nonce(svg, NONCE_PLACEHOLDER) for name, svg in period_charts(report).items()
    }
    html = render_to_string(
        "reporting/_period_body.html",
        {**context, "report": report, "charts": charts, "exports": _export_links(report, context)},
    )
    services.store_cached(key, CONTENT_ADDRESSED, {"html": html}, ttl_seconds=PAGE_DAYS * 86400)
    return html


def _export_links(report, context: dict) -> list[tuple[str, str]]:
    query = context["export_query"]

    def url(name: str, fmt: str) -> str:
        base = period_url(report.period, name, fmt=fmt)
        return f"{base}?{query}" if query else base

    return [
        (_("Figures (CSV)"), url("_figures", "csv")),
        (_("Figures (Excel)"), url("_figures", "xlsx")),
        (_("Complaint list (CSV)"), url("_complaints", "csv")),
        (_("Complaint list (Excel)"), url("_complaints", "xlsx")),
    ]


def _for_export(request, year: int, quarter: int | None, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    try:
        period = choose(year, quarter)
    except BadPeriod as error:
        raise Http404(str(error)) from error
    return period, selectors.resolve_scope(request.user, request.GET.get("department"))


def _figures(request, year: int, quarter: int | None, fmt: str):
    period, scope = _for_export(request, year, quarter, fmt)
    with replica_reads():
        report = period_selectors.period_report(
            request.user, scope, period, live=request.GET.get("live") == "1"
        )
    filename = f"report-{period}-{scope.key}.{fmt}"
    rows = period_exports.figure_rows(report)
    if fmt == "csv":
        return exports.csv_response(filename, rows)
    return exports.xlsx_stream_response(filename, str(period), rows)


def _complaints(request, year: int, quarter: int | None, fmt: str):
    period, scope = _for_export(request, year, quarter, fmt)
    complaints = period_selectors.period_complaints(request.user, scope, period)
    rows = exports.complaint_rows(request.user, complaints)
    filename = f"complaints-{period}-{scope.key}.{fmt}"
    if fmt == "csv":
        return exports.csv_response(filename, replica_iter(rows))
    with replica_reads():
        return exports.xlsx_stream_response(filename, str(period), rows)


@login_required
@require_safe
def quarterly_figures(request, year: int, quarter: int, fmt: str):
    return _figures(request, year, quarter, fmt)


@login_required
@require_safe
def annual_figures(request, year: int, fmt: str):
    return _figures(request, year, None, fmt)


@login_required
@require_safe
def quarterly_complaints(request, year: int, quarter: int, fmt: str):
    return _complaints(request, year, quarter, fmt)


@login_required
@require_safe
def annual_complaints(request, year: int, fmt: str):
    return _complaints(request, year, None, fmt)
