"""The staff workspace's pages: dashboards by tier, the complaint list, what acts on the list
(export, bulk actions) and the header's jump box.

Each page starts from the one visibility function (``selectors.complaints_visible_to``).
"""

from __future__ import annotations

import re
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from complaints import bulk, dashboards, rules, saved_views, selectors
from complaints.exports import csv_response, xlsx_stream_response
from complaints.filters import (
    PAGE_SIZES,
    SORTS,
    ComplaintFilter,
    InvalidCursor,
    paginate,
    parse_sort,
)
from complaints.models import Tier


def _require_staff(user) -> str:
    tier = rules.tier_of(user)
    if tier is None:
        raise PermissionDenied
    return tier


DASHBOARDS = {
    Tier.FRONTLINE: dashboards.frontline,
    Tier.MANAGER: dashboards.manager,
    Tier.GM: dashboards.general_manager,
    Tier.AUDITOR: dashboards.auditor,
}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The home page: what this user's tier works on."""
    tier = _require_staff(request.user)
    context = DASHBOARDS[tier](request.user)
    context["department"] = getattr(rules.staff_profile(request.user), "department", None)
    if tier == Tier.AUDITOR:
        context["search"] = ComplaintFilter(None, request=request).form
    return render(request, f"complaints/dashboard_{tier}.html", context)


@login_required
def complaint_list(request: HttpRequest) -> HttpResponse:
    """Every complaint this user may see, filtered, searched, sorted, a keyset page at a time."""
    tier = _require_staff(request.user)
    queryset = selectors.complaints_visible_to(request.user).with_list_relations()
    filterset = ComplaintFilter(request.GET, queryset=queryset, request=request)
    sort = parse_sort(request.GET.get("sort"))
    try:
        per_page = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        per_page = PAGE_SIZES[0]
    if per_page not in PAGE_SIZES:
        per_page = PAGE_SIZES[0]
    columns = saved_views.columns_from(request.GET)
    status, narrowed = 200, {}
    if filterset.is_valid():
        rows = filterset.qs
        narrowed = {k: filterset.form.cleaned_data.get(k) for k in ("state", "priority")}
    else:
        messages.error(request, _("Some filters are not valid; correct them to see results."))
        rows, status = queryset.none(), 400
    try:
        page = paginate(
            rows,
            sort=sort,
            per_page=per_page,
            after=request.GET.get("after"),
            before=request.GET.get("before"),
            narrowed=narrowed,
        )
    except InvalidCursor:
        messages.error(request, _("That page link is no longer valid; here is the first page."))
        page = paginate(rows, sort=sort, per_page=per_page, narrowed=narrowed)
        status = 400
    context = {
        "filter": filterset,
        "page": page,
        "sort": sort,
        "sorts": SORTS,
        "page_sizes": PAGE_SIZES,
        "show_history": tier == Tier.AUDITOR,
        "may_register": selectors.may_write(request.user),
        "bulk_form": bulk.BulkForm(user=request.user),
        "bulk_max": bulk.bulk_limit(),
        "filter_query": _filter_query(request.GET),
        # The columns to show (a saved view's or the chooser's; all by default):
        # docs/c15b-cols.md. The reference is always among them.
        "columns": columns,
        "column_choices": saved_views.column_choices(columns),
        "columns_param": saved_views.columns_param(columns),
        "chooser_params": saved_views.other_params(request.GET, "columns", "after", "before"),
    }
    return render(request, "complaints/list.html", context, status=status)


def _filter_query(params: QueryDict) -> str:
    """The list's filter and sort as a query string, without its page position: what the
    export and the way back from a bulk action carry."""
    query = params.copy()
    for name in ("after", "before", "per_page"):
        query.pop(name, None)
    return query.urlencode()


def _export(request: HttpRequest, fmt: str, complaints) -> HttpResponse:
    rows = bulk.export_rows(request.user, complaints, limit=bulk.export_limit())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    filename = f"complaints-{stamp}.{fmt}"
    if fmt == "csv":
        # Rows are read while the response streams, after this view returned.
        return csv_response(filename, rows)
    return xlsx_stream_response(filename, str(_("Complaints")), rows)


@login_required
@require_safe
def export_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list as it is filtered and sorted now, every page of it, as CSV or XLSX; the same
    filters and visibility rule as the page, the complainant masked where the page masks it."""
    _require_staff(request.user)
    if fmt not in ("csv", "xlsx"):
        raise Http404(fmt)
    queryset = selectors.complaints_visible_to(request.user)
    filterset = ComplaintFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        return _bulk_page(
            request,
            error=_("Some filters are not valid; correct them on the list, then export."),
            status=400,
        )
    sort = parse_sort(request.GET.get("sort"))
    return _export(request, fmt, bulk.in_list_order(filterset.qs, sort))


def _bulk_page(
    request: HttpRequest, *, result=None, error: str = "", back: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "result": result,
        "error": error,
        "back_url": reverse("complaints:list") + (f"?{back}" if back else ""),
    }
    return render(request, "complaints/bulk_result.html", context, status=status)


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """One action on the complaints selected on the list, each through its one-by-one service;
    a page that names every refused complaint and why, and counts the others."""
    _require_staff(request.user)
    form = bulk.BulkForm(request.POST, user=request.user)
    action = request.POST.get("action")
    if action in bulk.WRITE_ACTIONS and not selectors.may_write(request.user):
        raise PermissionDenied
    back = _filter_query(QueryDict(request.POST.get("back", "")))
    try:
        selection = bulk.parse_selection(request.POST.getlist("selected"))
    except bulk.BadSelection:
        return _bulk_page(request, error=_("The selection is not valid."), back=back, status=400)
    if not selection:
        return _bulk_page(request, error=_("Select at least one complaint."), back=back, status=400)
    if len(selection) > bulk.bulk_limit():
        error = _(
            "%(count)s complaints are selected; a bulk action takes at most %(limit)s. "
            "Nothing was changed."
        ) % {"count": len(selection), "limit": bulk.bulk_limit()}
        return _bulk_page(request, error=error, back=back, status=400)
    if not form.is_valid():
        errors = "; ".join(str(e) for field_errors in form.errors.values() for e in field_errors)
        error = _("Nothing was changed: %(errors)s") % {"errors": errors}
        return _bulk_page(request, error=error, back=back, status=400)
    data = form.cleaned_data
    user = request.user
    if data["action"] in bulk.EXPORT_ACTIONS:
        chosen = selectors.complaints_visible_to(user).filter(pk__in=list(selection))
        return _export(
            request, data["action"][len("export_") :], bulk.in_list_order(chosen, "-received")
        )
    if data["action"] == "assign":
        result = bulk.assign(user, selection, assignee=data["assignee"], reason=data["reason"])
    elif data["action"] == "priority":
        result = bulk.change_priority(
            user, selection, priority=data["priority"], reason=data["reason"]
        )
    else:
        result = bulk.add_note(user, selection, body=data["body"])
    return _bulk_page(request, result=result, back=back)


# --- the header's jump box (#15) -----------------------------------------------------------------

_SHORT_NUMBER = re.compile(r"^\d{1,6}$")
_FULL_REFERENCE = re.compile(r"^[A-Za-z]+-\d{4}-\d{1,6}$")


def reference_from(text: str, *, now: datetime | None = None) -> str:
    """The reference ``text`` names: ``123`` and ``000123`` are this year's (Asia/Shanghai),
    ``c-2026-123`` is ``C-2026-000123``; anything else is no reference (empty)."""
    text = text.strip()
    if _SHORT_NUMBER.match(text):
        year = timezone.localtime(now or timezone.now()).year
        return f"{settings.REDRESS_REFERENCE_PREFIX}-{year}-{int(text):06d}"
    if _FULL_REFERENCE.match(text):
        prefix, year, number = text.split("-")
        return f"{prefix.upper()}-{year}-{int(number):06d}"
    return ""


@login_required
@require_safe
def jump(request: HttpRequest) -> HttpResponse:
    """The header's jump box. A complaint the user may not see gets the same answer as one that
    does not exist, so the box never tells whether an invisible reference is in use."""
    _require_staff(request.user)
    text = request.GET.get("q", "").strip()[:100]
    reference = reference_from(text)
    if reference:
        visible = selectors.complaints_visible_to(request.user).filter(reference=reference)
        if visible.exists():
            return redirect(reverse("complaints:detail", args=[reference]))
    messages.info(request, _("No complaint you may see has this reference."))
    return redirect(f"{reverse('complaints:list')}?{urlencode({'q': text})}")
