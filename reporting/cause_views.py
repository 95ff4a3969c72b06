"""The "Recurring causes" page (issue 16): finer root causes that keep coming back without an
open corrective action, for the manager to act on. Read-only (GET and HEAD)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from complaints import rules
from complaints.db import replica_reads
from complaints.models import Department
from complaints.people import display_name
from reporting import causes, selectors
from reporting.forms import RecurringCausesForm


@login_required
@require_safe
def recurring_causes(request):
    """/reports/recurring-causes/?days=90 (30/90/180/365); GM and auditors may add
    ``department``. Scoped like the monthly report: a manager sees their department."""
    department = request.GET.get("department")
    scope = selectors.resolve_scope(request.user, department)
    form = RecurringCausesForm(request.GET or None, initial={"days": causes.DEFAULT_WINDOW})
    minimum = settings.REDRESS_RECURRING_CAUSE_MIN
    context = {
        "form": form,
        "items": [],
        "minimum": minimum,
        "department": department or "",
        "scope_label": _scope_label(scope, request.user),
    }
    if request.GET and not form.is_valid():
        return render(request, "reporting/causes.html", context, status=400)
    days = (form.cleaned_data.get("days") if request.GET else None) or causes.DEFAULT_WINDOW
    with replica_reads():
        context["items"] = causes.recurring_causes(
            selectors.complaints_for(scope, request.user),
            days=days,
            minimum=minimum,
            user=request.user,
        )
    return render(request, "reporting/causes.html", {**context, "days": days})


def _scope_label(scope: selectors.Scope, user):
    if scope.kind == "department":
        name = Department.objects.filter(pk=scope.department_id).values_list("name", flat=True)
        return name.first() or "?"
    if scope.kind == "personal":
        return _("My complaints (%(name)s)") % {"name": display_name(user)}
    return _("Whole organisation")


def nav_link(user, tier: str):
    """The menu entry under the user's name (complaints.panels): for those who act on causes
    across complaints, managers, the general manager and auditors. No query."""
    if tier not in (rules.MANAGER, rules.GM, rules.AUDITOR):
        return None
    return (
        "recurring_causes",
        reverse("reporting:recurring_causes"),
        gettext_lazy("Recurring causes"),
    )
