"""The page on which a manager decides an appeal against a refusal (不予受理复查)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints import refusal_appeals, selectors, services
from complaints.forms import RefusalAppealDecisionForm
from complaints.models import Complaint


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: the decision form; POST: uphold or overturn (``refusal_appeals.decide``)."""
    appeal = _appeal_for(request.user, reference)
    if request.method == "GET":
        form = RefusalAppealDecisionForm(initial={"expected_version": appeal.version})
        return _page(request, appeal, form)
    form = RefusalAppealDecisionForm(request.POST)
    if not form.is_valid():
        return _page(request, appeal, form, status=400)
    data = form.cleaned_data
    try:
        appeal, original = refusal_appeals.decide(
            appeal,
            by=request.user,
            overturn=data["outcome"] == "overturned",
            explanation=data["explanation"],
            category=data["category"],
            priority=data["priority"],
            department=data["department"],
            expected_version=data["expected_version"],
        )
    except services.ServiceError as exc:
        form.add_error(None, exc.message)
        return _page(request, appeal, form, status=exc.status_code)
    if data["outcome"] == "overturned":
        messages.success(
            request,
            _("The refusal was overturned: %(reference)s is accepted.")
            % {"reference": original.reference},
        )
    else:
        messages.success(request, _("The refusal was upheld."))
    return redirect(appeal.get_absolute_url())


def _appeal_for(user, reference: str) -> Complaint:
    # 404 for what the user may not see, 403 for a reader (auditor); a complaint that is not an
    # appeal against a refusal has no such page (404).
    appeal = selectors.get_complaint_for(user, reference, write=True)
    if not refusal_appeals.is_refusal_appeal(appeal):
        raise Http404(reference)
    return appeal


def _page(request, appeal: Complaint, form, status: int = 200) -> HttpResponse:
    context = {"complaint": appeal, "original": appeal.appeal_of, "form": form}
    return render(request, "complaints/refusal_appeal.html", context, status=status)
