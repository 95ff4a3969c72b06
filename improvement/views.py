"""Corrective-action pages: thin views over ``improvement.selectors`` and ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import rules as core
from complaints.models import Complaint, RootCause
from complaints.selectors import complaints_visible_to, may_write
from improvement import forms, pages, rules, selectors, services
from improvement.filters import ActionFilter
from improvement.models import MOVES

PAGE_SIZE = 50


def _require_staff(user) -> str:
    tier = core.tier_of(user)
    if tier is None:
        raise PermissionDenied
    return tier


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    """The actions this user may see, filtered, by due date, a page of 50 at a time (no COUNT:
    one row more than the page says whether there is a next one)."""
    _require_staff(request.user)
    queryset = selectors.with_list_relations(selectors.actions_visible_to(request.user))
    filterset = ActionFilter(request.GET, queryset=queryset)
    status = 200
    if filterset.is_valid():
        rows = filterset.qs.order_by("due_on", "pk")
    else:
        messages.error(request, _("Some filters are not valid; correct them to see results."))
        rows, status = queryset.none(), 400
    page = pages.page_of(rows, request.GET.get("page"), PAGE_SIZE)
    context = {
        "filter": filterset,
        "page": page,
        "today": timezone.localdate(),
        "may_open": rules.may_open(request.user, core.department_id_of(request.user))
        or core.tier_of(request.user) == core.GM,
    }
    return render(request, "improvement/list.html", context, status=status)


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return pages.render_detail(request, selectors.get_action_for(request.user, pk))


def _create_initial(request: HttpRequest) -> dict:
    """The "open a corrective action in one step" link: ?cause=<code>&complaints=<ref>,<ref>."""
    initial: dict = {"department": core.department_id_of(request.user)}
    code = request.GET.get("cause")
    if code:
        initial["cause"] = code
        cause = RootCause.objects.filter(code=code).first()
        if cause is not None:
            initial["title"] = _("Remove the cause: %(cause)s") % {"cause": cause}
    if request.GET.get("complaints"):
        initial["complaints"] = request.GET["complaints"].replace(",", ", ")
    return initial


@login_required
def action_create(request: HttpRequest) -> HttpResponse:
    if not may_write(request.user) or not request.user.has_perm("improvement.add_correctiveaction"):
        raise PermissionDenied
    form = forms.ActionForm(
        request.POST or None, user=request.user, initial=_create_initial(request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            action = services.open_action(by=request.user, **data)
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Corrective action opened."))
            return redirect("improvement:action_detail", pk=action.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "improvement/create.html", {"form": form}, status=status)


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_for(request.user, pk)
    if not rules.may_edit(action, request.user):
        raise PermissionDenied
    initial = {f: getattr(action, f) for f in ("title", "description", "owner", "due_on")}
    initial["expected_version"] = action.version
    form = forms.EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.edit(
                action,
                by=request.user,
                expected_version=data.pop("expected_version"),
                reason=data.pop("reason"),
                **data,
            )
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
            return render(
                request, "improvement/edit.html", {"form": form, "action": action}, status=409
            )
        messages.success(request, _("Corrective action saved."))
        return redirect("improvement:action_detail", pk=action.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "improvement/edit.html", {"form": form, "action": action}, status=status)


@login_required
@require_POST
def action_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """One lifecycle move (start, complete, verify, cancel) with the fields of its form."""
    if name not in services.TRANSITIONS:
        raise Http404(name)
    action = pages.writable_action(request.user, pk)
    form = forms.TRANSITION_FORMS[name](request.POST, request.FILES)
    if not form.is_valid():
        return pages.render_detail(request, action, open_form=(name, form), status=400)
    arguments = dict(form.cleaned_data)
    expected_version = arguments.pop("expected_version")
    try:
        services.TRANSITIONS[name](
            action, by=request.user, expected_version=expected_version, **arguments
        )
    except services.ServiceError as exc:
        return pages.refused(request, action, exc, open_form=(name, form))
    messages.success(
        request,
        _("Action %(pk)s %(what)s.") % {"pk": action.pk, "what": MOVES[name].done},
    )
    return redirect("improvement:action_detail", pk=action.pk)


@login_required
@require_POST
def action_link(request: HttpRequest, pk: int) -> HttpResponse:
    action = pages.writable_action(request.user, pk)
    form = forms.LinkForm(request.POST, user=request.user)
    if not form.is_valid():
        return pages.render_detail(request, action, open_form=("link", form), status=400)
    try:
        added = services.link_complaints(
            action,
            by=request.user,
            complaints=form.cleaned_data["complaints"],
            expected_version=form.cleaned_data["expected_version"],
        )
    except services.ServiceError as exc:
        return pages.refused(request, action, exc, open_form=("link", form))
    messages.success(request, _("%(n)s complaints linked.") % {"n": added})
    return redirect("improvement:action_detail", pk=action.pk)


@login_required
@require_POST
def action_unlink(request: HttpRequest, pk: int, reference: str) -> HttpResponse:
    action = pages.writable_action(request.user, pk)
    complaint = complaints_visible_to(request.user).filter(reference=reference).first()
    if complaint is None:
        raise Http404(reference)
    try:
        services.unlink_complaint(action, by=request.user, complaint=complaint)
    except services.ServiceError as exc:
        return pages.refused(request, action, exc)
    messages.success(request, _("%(reference)s unlinked.") % {"reference": reference})
    return redirect("improvement:action_detail", pk=action.pk)


@login_required
def action_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The evidence file, to those who may see the action (404 otherwise)."""
    action = selectors.get_action_for(request.user, pk)
    if not action.evidence_file:
        raise Http404(pk)
    suffix = (
        action.evidence_file.name.rsplit(".", 1)[-1] if "." in action.evidence_file.name else ""
    )
    name = f"A-{action.pk}-evidence" + (f".{suffix}" if suffix else "")
    return FileResponse(action.evidence_file.open("rb"), as_attachment=True, filename=name)


def complaint_actions_panel(request: HttpRequest, complaint: Complaint) -> str:
    """The complaint page's panel: the actions addressing it that the viewer may see, and the
    link that opens a new one for the complaint's cause (one query)."""
    actions = list(selectors.actions_for_complaint(request.user, complaint))
    # The "open an action" link names the cause by its code: one more query, only for a
    # manager looking at a complaint with a coded cause.
    may_open = bool(complaint.cause_id) and rules.may_open(request.user, complaint.department_id)
    if not actions and not may_open:
        return ""
    context = {"actions": actions, "complaint": complaint}
    if may_open:
        context["open_link"] = selectors.create_link(complaint.cause.code, [complaint.reference])
    return render_to_string("improvement/_complaint_panel.html", context, request=request)


def nav_link(user, tier: str):
    """The navigation entry: for managers, the general manager and auditors."""
    if tier not in (core.MANAGER, core.GM, core.AUDITOR):
        return None
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    return ("actions", reverse("improvement:action_list"), gettext_lazy("Corrective actions"))
