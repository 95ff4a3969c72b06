"""Staff pages of the escalation app: a complaint's deadlines (with escalation, clock pause,
extension and remedy-approval forms), the "due soon" list, and the approvals queue.

Thin views: fetch through the one visibility function, validate a form, call one service, then
redirect; a refused service call shows its message on the page with its status (403/409) and
saves nothing; invalid input shows the form's errors with 400.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import rules, selectors
from complaints.models import HANDLING_STATES, Complaint, State
from complaints.services import ServiceError
from escalation import forms, services
from escalation import selectors as sla
from escalation.models import ClockPause, ExtensionRequest, RemedyApproval


def _require_staff(user) -> str:
    tier = rules.tier_of(user)
    if tier is None:
        raise PermissionDenied
    return tier


def _page(request: HttpRequest, complaint: Complaint, *, status: int = 200, **forms_posted):
    """The complaint's deadlines page, with any form as it was posted."""
    now = timezone.now()
    may_handle = services.may_handle(complaint, request.user)
    running = complaint.state in HANDLING_STATES
    paused = complaint.clock_paused_at is not None
    records = sla.sla_records_for(complaint)
    context = {
        "complaint": complaint,
        "now": now,
        "board": sla.deadline_board(complaint, now=now),
        "policy": services.policy_of(complaint),
        **records,
        "may_handle": may_handle,
        "may_approve": services.may_approve(complaint, request.user),
        "escalate_form": forms_posted.get("escalate_form")
        or forms.EscalateForm(initial={"expected_version": complaint.version}),
        "pause_form": forms_posted.get("pause_form") or forms.PauseForm(),
        "extension_form": forms_posted.get("extension_form") or forms.ExtensionForm(),
        "remedy_form": forms_posted.get("remedy_form") or forms.RemedyApprovalForm(),
        "decision_form": forms.DecisionForm(),
        "can_escalate": may_handle and running and complaint.tier != "gm",
        "can_pause": may_handle and running and not paused,
        "can_resume": may_handle and paused,
        "can_extend": may_handle and running,
        "can_ask_remedy": may_handle and complaint.state == State.ASSIGNED,
        "pending_pauses": [p for p in records["pauses"] if p.status == ClockPause.Status.REQUESTED],
        "pending_extensions": [
            e for e in records["extensions"] if e.status == ExtensionRequest.Status.REQUESTED
        ],
        "pending_remedy": RemedyApproval.objects.filter(
            complaint=complaint, status=RemedyApproval.Status.PENDING
        )
        .select_related("requested_by")
        .first(),
    }
    return render(request, "escalation/complaint.html", context, status=status)


def _act(request: HttpRequest, complaint: Complaint, form_name: str, form, action, success: str):
    """Validate ``form``, run ``action(cleaned_data)``; on refusal re-render with the status."""
    if not form.is_valid():
        return _page(request, complaint, status=400, **{form_name: form})
    try:
        action(form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, complaint, status=exc.status_code, **{form_name: form})
    messages.success(request, success)
    return redirect("escalation:complaint", reference=complaint.reference)


@login_required
def complaint(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, selectors.get_complaint_for(request.user, reference))


@login_required
@require_POST
def escalate(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    return _act(
        request,
        complaint,
        "escalate_form",
        forms.EscalateForm(request.POST),
        lambda data: services.escalate_by_hand(complaint, by=request.user, **data),
        _("%(reference)s was escalated.") % {"reference": reference},
    )


@login_required
@require_POST
def pause(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.get_complaint_for(request.user, reference, write=True)

    def stop(data):
        result = services.request_pause(complaint, by=request.user, **data)
        if result.status == ClockPause.Status.REQUESTED:
            messages.info(
                request, _("The pause awaits a manager's approval; the clock still runs.")
            )

    return _act(
        request,
        complaint,
        "pause_form",
        forms.PauseForm(request.POST),
        stop,
        _("Request recorded for %(reference)s.") % {"reference": reference},
    )


@login_required
@require_POST
def resume(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    try:
        services.resume(complaint, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, complaint, status=exc.status_code)
    messages.success(
        request, _("The clock of %(reference)s runs again.") % {"reference": reference}
    )
    return redirect("escalation:complaint", reference=reference)


@login_required
@require_POST
def extension(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.get_complaint_for(request.user, reference, write=True)

    def ask(data):
        result = services.request_extension(complaint, by=request.user, **data)
        if result.status == ExtensionRequest.Status.REQUESTED:
            messages.info(request, _("The extension awaits a manager's approval."))

    return _act(
        request,
        complaint,
        "extension_form",
        forms.ExtensionForm(request.POST),
        ask,
        _("Request recorded for %(reference)s.") % {"reference": reference},
    )


@login_required
@require_POST
def remedy_approval(request: HttpRequest, reference: str) -> HttpResponse:
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    return _act(
        request,
        complaint,
        "remedy_form",
        forms.RemedyApprovalForm(request.POST),
        lambda data: services.request_remedy_approval(complaint, by=request.user, **data),
        _("The approvers of %(reference)s have been asked.") % {"reference": reference},
    )


def _decide(request: HttpRequest, model, pk: int, decide) -> HttpResponse:
    if not selectors.may_write(request.user):
        _require_staff(request.user)
        raise PermissionDenied
    visible = selectors.complaints_visible_to(request.user)
    record = get_object_or_404(model.objects.filter(complaint__in=visible), pk=pk)
    complaint = selectors.get_complaint_for(request.user, record.complaint.reference, write=True)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or refuse."))
        return _page(request, complaint, status=400)
    try:
        decide(record, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, complaint, status=exc.status_code)
    messages.success(
        request,
        _("Approved.") if form.cleaned_data["approve"] else _("Refused; the requester is told."),
    )
    if request.POST.get("next") == "requests":
        return redirect("escalation:requests")
    return redirect("escalation:complaint", reference=complaint.reference)


@login_required
@require_POST
def decide_pause(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, ClockPause, pk, services.decide_pause)


@login_required
@require_POST
def decide_extension(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, ExtensionRequest, pk, services.decide_extension)


@login_required
@require_POST
def refuse_remedy(request: HttpRequest, pk: int) -> HttpResponse:
    """Refuse a remedy approval from the requests page (approving is the core's
    "Approve remedy" step on the complaint page, which this page links to)."""
    if not selectors.may_write(request.user):
        _require_staff(request.user)
        raise PermissionDenied
    visible = selectors.complaints_visible_to(request.user)
    record = get_object_or_404(
        RemedyApproval.objects.filter(complaint__in=visible).select_related("complaint"), pk=pk
    )
    form = forms.RemedyRefusalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the remedy is not approved."))
        return _requests_page(request, status=400)
    try:
        services.refuse_remedy_approval(record, by=request.user, **form.cleaned_data)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _requests_page(request, status=exc.status_code)
    messages.success(request, _("Refused; the requester is told."))
    return redirect("escalation:requests")


@login_required
def due_soon(request: HttpRequest) -> HttpResponse:
    """Deadlines passed or within ``ESCALATION_DUE_SOON_HOURS`` on the complaints the user may
    see, stopped clocks, and (for managers) this month's missed deadlines by department."""
    tier = _require_staff(request.user)
    now = timezone.now()
    hours = settings.ESCALATION_DUE_SOON_HOURS
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    breaches = []
    if tier in (rules.MANAGER, rules.GM, rules.AUDITOR):  # the table is a manager's view
        breaches = sla.breach_counts_for(request.user, since=month_start, until=now, now=now)
    return render(
        request,
        "escalation/due_soon.html",
        {
            "rows": list(sla.due_soon_for(request.user, now=now, hours=hours)),
            "stopped": list(sla.stopped_clocks_for(request.user)),
            "breaches": breaches,
            "hours": hours,
            "now": now,
            "month_start": month_start,
        },
    )


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Pauses, extensions and remedy approvals waiting for this user's decision."""
    _require_staff(request.user)
    return _requests_page(request)


def _requests_page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    pauses, extensions = sla.pending_requests_for(request.user)
    return render(
        request,
        "escalation/requests.html",
        {
            "pauses": pauses,
            "extensions": extensions,
            "remedies": sla.pending_remedy_approvals_for(request.user),
            "decision_form": forms.DecisionForm(),
        },
        status=status,
    )
