"""Report and audit pages. All read-only: every view answers GET (and HEAD) only, so an
auditor, who changes nothing anywhere, has nothing to post here either."""

from __future__ import annotations

import hashlib
import json

from csp.constants import NONCE
from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from complaints.db import replica_iter, replica_reads
from complaints.models import Department
from complaints.selectors import get_complaint_for
from reporting import actions_section, audit, exports, history, selectors, services
from reporting.charts import CONTENT_ADDRESSED, report_charts, with_nonce
from reporting.forms import AuditFilterForm, MonthPickerForm
from reporting.models import AuditRecord, ChainVerification, ReportCache
from reporting.months import Month

AUDIT_PAGE_SIZE = 50


def _month_or_404(year: int, month: int) -> Month:
    """A month between the calendar's first year and the current month, else 404."""
    try:
        chosen = Month(year, month)
    except ValueError as exc:
        raise Http404(f"{year}-{month}") from exc
    if chosen.year < settings.REDRESS_REPORT_CALENDAR_FIRST_YEAR or chosen > Month.current():
        raise Http404(str(chosen))
    return chosen


def _monthly_url(month: Month, **params) -> str:
    url = reverse("reporting:monthly", args=[month.year, month.month])
    params = {k: v for k, v in params.items() if v}
    return f"{url}?{urlencode(params)}" if params else url


@login_required
@require_safe
def reports_home(request):
    """/reports/ → this month; /reports/?month=2026-11 (the month picker) → that month;
    /reports/?period=2026-Q1 or ?period=2026 (the period picker) → that quarter or year."""
    selectors.resolve_scope(request.user, request.GET.get("department"))
    if "period" in request.GET:  # /reports/?period=2026-Q1 or 2026: the quarter or the year
        from reporting.period_views import pick

        return pick(request)
    if "month" not in request.GET:
        return redirect(_monthly_url(Month.current(), department=request.GET.get("department")))
    form = MonthPickerForm(request.GET)
    message = None
    if form.is_valid() and form.cleaned_data["month"] > Month.current():
        message = _("That month has not started yet.")
    if not form.is_valid() or message:
        response = render(request, "reporting/bad_month.html", {"form": form, "message": message})
        response.status_code = 400
        return response
    chosen = form.cleaned_data["month"]
    return redirect(_monthly_url(chosen, department=form.cleaned_data.get("department")))


@login_required
@require_safe
@csp_update({"style-src": [NONCE]})
def monthly(request, year: int, month: int):
    chosen = _month_or_404(year, month)
    department = request.GET.get("department")
    scope = selectors.resolve_scope(request.user, department)
    # Reports may read a replica a few seconds behind (settings: DATABASE_REPLICA_URL).
    with replica_reads():
        report = selectors.monthly_report(
            request.user, scope, chosen, live=request.GET.get("live") == "1"
        )
        context = _controls(request.user, chosen, department)
        context["actions_section"] = actions_section.section(
            request.user, scope, chosen.start, chosen.end
        )
    body = _report_body(report, context).replace(NONCE_PLACEHOLDER, str(request.csp_nonce))
    return render(
        request,
        "reporting/monthly.html",
        {"report": report, "body": mark_safe(body)},  # noqa: S308 - our own rendered template
    )


def _controls(user, chosen: Month, department: str | None) -> dict:
    """The page's month picker, department selector, links and state."""
    return {
        "picker": MonthPickerForm(initial={"month": str(chosen), "department": department or ""}),
        "departments": list(Department.objects.order_by("name").values_list("pk", "name"))
        if selectors.may_choose_department(user)
        else None,
        "department": department or "",
        "previous_url": _monthly_url(chosen.previous, department=department),
        "next_url": _monthly_url(chosen.shift(1), department=department)
        if chosen < Month.current()
        else None,
        "live_url": _monthly_url(chosen, department=department, live="1"),
        "issued_url": _monthly_url(chosen, department=department),
        "export_query": urlencode({"department": department}) if department else "",
        "running": not chosen.is_finished(),
        **_period_links(chosen, department),
    }


def _period_links(chosen: Month, department: str | None) -> dict:
    """The quarter and the year the month belongs to (reporting.period_views)."""
    from reporting.period_views import period_url
    from reporting.periods import QUARTER, YEAR, Period

    return {
        "quarter_link": (
            Period.containing(chosen, QUARTER).label,
            period_url(Period.containing(chosen, QUARTER), department=department),
        ),
        "year_link": (
            Period.containing(chosen, YEAR).label,
            period_url(Period.containing(chosen, YEAR), department=department),
        ),
    }


# Where the request's CSP nonce goes in cached HTML (pygal's <style> elements).
NONCE_PLACEHOLDER = "__redress_csp_nonce__"
PAGE_DAYS = 45


def _report_body(report: selectors.MonthlyReport, context: dict) -> str:
    """The report as rendered HTML, cached under a digest of everything it shows (figures,
    names, links, language): a cached page neither draws charts nor renders its tables."""
    digest = hashlib.sha256(
        json.dumps(
            {
                "language": get_language(),
                "report": selectors.fingerprint(report),
                "context": {k: v for k, v in context.items() if k != "picker"},
                "picker": str(report.month),
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
        name: with_nonce(svg, NONCE_PLACEHOLDER) for name, svg in report_charts(report).items()
    }
    html = render_to_string(
        "reporting/_report_body.html", {**context, "report": report, "charts": charts}
    )
    services.store_cached(key, CONTENT_ADDRESSED, {"html": html}, ttl_seconds=PAGE_DAYS * 86400)
    return html


def _report_for_export(request, year: int, month: int, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    chosen = _month_or_404(year, month)
    scope = selectors.resolve_scope(request.user, request.GET.get("department"))
    return chosen, scope


@login_required
@require_safe
def export_figures(request, year: int, month: int, fmt: str):
    chosen, scope = _report_for_export(request, year, month, fmt)
    with replica_reads():
        report = selectors.monthly_report(
            request.user, scope, chosen, live=request.GET.get("live") == "1"
        )
    filename = f"report-{chosen}-{scope.key}.{fmt}"
    if fmt == "csv":
        return exports.figures_csv(report, filename)
    return exports.figures_xlsx(report, filename)


@login_required
@require_safe
def export_complaints(request, year: int, month: int, fmt: str):
    chosen, scope = _report_for_export(request, year, month, fmt)
    complaints = selectors.month_complaints(request.user, scope, chosen)
    rows = exports.complaint_rows(request.user, complaints)
    filename = f"complaints-{chosen}-{scope.key}.{fmt}"
    if fmt == "csv":
        # Rows are read while the response streams, after this view returned.
        return exports.csv_response(filename, replica_iter(rows))
    with replica_reads():
        return exports.xlsx_stream_response(filename, str(chosen), rows)


# --- audit --------------------------------------------------------------------------------------


@login_required
@require_safe
def complaint_history(request, reference: str):
    """Every change to one complaint and its notes, communications and attachments."""
    complaint = get_complaint_for(request.user, reference)
    entries = history.timeline(complaint, request.user)
    outcome = audit.verify([complaint.pk])
    broken = outcome.breaks.get(complaint.pk)
    if broken is not None and broken.history_id is not None:
        for entry in entries:
            entry.broken = (entry.record, entry.history_id) == (broken.model, broken.history_id)
    return render(
        request,
        "reporting/history.html",
        {
            "complaint": complaint,
            "entries": entries,
            "broken": broken,
            "sealed": outcome.records,
            "may_audit": selectors.may_read_audit_log(request.user),
        },
    )


def _audit_filters(request) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return form, {}
    return form, (form.cleaned_data if request.GET else {})


@login_required
@require_safe
def audit_log(request):
    """Every sealed change across complaints and their records, newest first, by keyset
    pages (no COUNT over the history)."""
    form, filters = _audit_filters(request)
    if form.errors:
        response = render(request, "reporting/audit_log.html", {"form": form, "rows": []})
        response.status_code = 400
        return response
    records = selectors.audit_records(request.user, filters)
    rows, next_cursor = selectors.page_after(records, request.GET.get("after"), AUDIT_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "reporting/audit_log.html",
        {
            "form": form,
            "rows": rows,
            "next_url": f"{request.path}?{urlencode({**query.dict(), 'after': next_cursor})}"
            if next_cursor
            else None,
            "first_url": f"{request.path}?{query.urlencode()}" if "after" in request.GET else None,
            "export_url": f"{reverse('reporting:audit_export')}?{query.urlencode()}",
            "may_verify": selectors.may_verify_chain(request.user),
        },
    )


@login_required
@require_safe
def audit_export(request):
    form, filters = _audit_filters(request)
    if form.errors:
        return HttpResponseBadRequest(_("Correct the filters of the audit log first."))
    records = selectors.audit_records(request.user, filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return exports.csv_response(f"audit-{stamp}.csv", exports.audit_rows(records))


@login_required
@require_safe
def audit_chain(request):
    """Tamper evidence for auditors: the first broken link of every chain (checked now on a
    small database, else the last nightly run), or of one complaint on request."""
    if not selectors.may_verify_chain(request.user):
        raise PermissionDenied
    reference = request.GET.get("reference", "").strip()
    single = None
    if reference:
        complaint = get_complaint_for(request.user, reference)
        single = audit.verify([complaint.pk])
    live = None
    limit = settings.REDRESS_AUDIT_LIVE_VERIFY_LIMIT
    # "More than the limit?" reads at most limit + 1 index entries, never COUNT(*).
    small = not AuditRecord.objects.order_by("pk")[limit : limit + 1].exists()
    if not reference and small:
        live = audit.verify_all()
    return render(
        request,
        "reporting/audit_chain.html",
        {
            "reference": reference,
            "single": single,
            "live": live,
            "limit": limit,
            "last_run": ChainVerification.objects.filter(finished_at__isnull=False).first(),
        },
    )
