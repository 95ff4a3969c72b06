"""Pages for contesting responsibility findings (责任认定申诉): the findings naming me, and the
contests waiting for a manager's decision. Thin: a form, one service, a redirect."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from complaints import accountability, rules
from complaints.services import ServiceError

MAX_TEXT = 4000


class ContestForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Grounds of the contest"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=accountability.Outcome.choices
    )
    note = forms.CharField(
        label=gettext_lazy("Reasons for the decision"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _may_read_contests(user) -> bool:
    return rules.tier_of(user) in (rules.MANAGER, rules.GM, rules.AUDITOR)


@login_required
@require_safe
def my_findings(request: HttpRequest) -> HttpResponse:
    findings = list(accountability.findings_about(request.user)[:200])
    rows = [
        {
            "complaint": complaint,
            "contest": accountability.contest_of(complaint),
            "deadline": accountability.contest_deadline(complaint),
            "may_contest": accountability.may_contest(complaint, request.user),
        }
        for complaint in findings
    ]
    return render(
        request,
        "complaints/accountability_mine.html",
        {"rows": rows, "contest_days": settings.REDRESS_CONTEST_DAYS},
    )


@login_required
@require_POST
def contest(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = accountability.complaint_for_contest(request.user, reference)
    form = ContestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the grounds of your contest."))
        return redirect("accountability:mine")
    try:
        accountability.contest(complaint, by=request.user, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("accountability:mine")
    messages.success(
        request, _("%(reference)s: your contest was sent to a manager.") % {"reference": reference}
    )
    return redirect("accountability:mine")


@login_required
@require_safe
def contests(request: HttpRequest) -> HttpResponse:
    if not _may_read_contests(request.user):
        raise PermissionDenied
    pending = list(accountability.contests_to_decide(request.user)[:200])
    may_decide = rules.tier_of(request.user) in (rules.MANAGER, rules.GM)
    return render(
        request,
        "complaints/accountability_contests.html",
        {"contests": pending, "may_decide": may_decide, "form": DecideForm()},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = accountability.contests_visible_to(request.user).get(pk=pk)
    except accountability.ResponsibilityContest.DoesNotExist as exc:
        raise Http404(pk) from exc
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reasons."))
        return redirect("accountability:contests")
    try:
        accountability.decide_contest(row, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        if exc.status_code == 403:
            raise PermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("accountability:contests")
    messages.success(
        request,
        _("%(reference)s: contest decided (%(outcome)s).")
        % {"reference": row.complaint.reference, "outcome": row.get_outcome_display()},
    )
    return redirect("accountability:contests")
