"""The staff workspace: dashboards by tier, the complaint list, the complaint page and the
forms that change a complaint.

Views are thin: they fetch through the one visibility function (``selectors``), validate a
form, call one service, then redirect (success) or render the complaint page again with a
message and the form as it was posted (failure). A ``ServiceError``'s ``status_code`` is the
HTTP status of that page; nothing is saved when a form or a service refuses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import dashboards, rules, selectors, services
from complaints.filters import (
    PAGE_SIZES,
    SORTS,
    ComplaintFilter,
    InvalidCursor,
    paginate,
    parse_sort,
)
from complaints.forms import RECORD_FORMS, TRANSITION_FORMS, AssignForm, VersionedForm
from complaints.models import Attachment, Complaint, Department, Tier

# --- helpers --------------------------------------------------------------------------------------


def _require_staff(user) -> str:
    tier = rules.tier_of(user)
    if tier is None:
        raise PermissionDenied
    return tier


def _visible_complaint(user, reference: str) -> Complaint:
    """The complaint with everything its page shows, through the one visibility function;
    404 when ``user`` may not see it (its existence is not revealed)."""
    try:
        return (
            selectors.complaints_visible_to(user)
            .with_list_relations()
            .select_related(
                "subject_department",
                "subject_person",
                "created_by",
                "remedy_approved_by",
                "repeat_of",
                "merged_into",
                "appeal_of",
            )
            .get(reference=reference)
        )
    except Complaint.DoesNotExist as exc:
        raise Http404(reference) from exc


def _transition_form(name: str, complaint: Complaint, data=None) -> VersionedForm:
    form_class = TRANSITION_FORMS[name]
    kwargs: dict[str, Any] = {
        "data": data,
        "initial": {"expected_version": complaint.version},
        # Several forms share field names (reason...): unique element ids per form, while the
        # posted names stay the service's keyword arguments.
        "auto_id": f"id_{name}_%s",
    }
    if form_class is AssignForm:
        kwargs["complaint"] = complaint
    return form_class(**kwargs)


def _transition_label(complaint: Complaint, name: str) -> str:
    fsm_transition = getattr(Complaint, name)._django_fsm.get_transition(complaint.state)
    label = (fsm_transition.custom or {}).get("label") if fsm_transition else None
    return str(label or name)


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # history, note, communication, attachment
    title: str
    actor: Any = None
    text: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    obj: Any = None


def _timeline(complaint: Complaint) -> list[TimelineEntry]:
    """History rows, notes, communications and attachments in one time order: five queries
    whatever the number of entries (history, the users and departments it names, notes,
    communications, attachments)."""
    rows = list(
        complaint.history.select_related("history_user").order_by("history_date", "history_id")
    )
    user_ids = {r.assignee_id for r in rows if r.assignee_id}
    department_ids = {r.department_id for r in rows if r.department_id}
    users = get_user_model().objects.in_bulk(user_ids) if user_ids else {}
    departments = Department.objects.in_bulk(department_ids) if department_ids else {}
    entries: list[TimelineEntry] = []
    previous = None
    for row in rows:
        title = dashboards.action_title(row.history_transition)
        changes = []
        if previous is not None:
            for label, old, new in (
                (_("State"), previous.get_state_display(), row.get_state_display()),
                (_("Tier"), previous.get_tier_display(), row.get_tier_display()),
                (_("Priority"), previous.get_priority_display(), row.get_priority_display()),
                (
                    _("Handler"),
                    str(users.get(previous.assignee_id, "—")),
                    str(users.get(row.assignee_id, "—")),
                ),
                (
                    _("Department"),
                    str(departments.get(previous.department_id, "—")),
                    str(departments.get(row.department_id, "—")),
                ),
            ):
                if old != new:
                    changes.append((label, old, new))
        entries.append(
            TimelineEntry(
                at=row.history_date,
                kind="history",
                title=title,
                actor=row.history_user,
                text=row.history_change_reason or "",
                changes=changes,
            )
        )
        previous = row
    for note in complaint.notes.select_related("author"):
        entries.append(
            TimelineEntry(note.created_at, "note", _("Note"), note.author, note.body, obj=note)
        )
    for comm in complaint.communications.select_related("author"):
        title = f"{comm.get_medium_display()} · {comm.get_direction_display()}"
        entries.append(
            TimelineEntry(
                comm.occurred_at, "communication", title, comm.author, comm.summary, obj=comm
            )
        )
    for attachment in complaint.attachments.select_related("uploaded_by"):
        entries.append(
            TimelineEntry(
                attachment.uploaded_at,
                "attachment",
                _("Attachment"),
                attachment.uploaded_by,
                attachment.original_name,
                obj=attachment,
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    open_form: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    writer = selectors.may_write(user)
    names = services.available_transitions(complaint, user) if writer else []
    transitions = []
    for name in names:
        form = open_form[1] if open_form and open_form[0] == name else None
        transitions.append(
            {
                "name": name,
                "label": _transition_label(complaint, name),
                "form": form or _transition_form(name, complaint),
            }
        )
    handler = writer and rules.handles(complaint, user)
    records = []
    if handler:
        for key, perm in (
            ("note", "add_note"),
            ("communication", "add_communication"),
            ("attachment", "add_attachment"),
        ):
            if user.has_perm(f"complaints.{perm}"):
                form = open_form[1] if open_form and open_form[0] == key else None
                records.append(
                    {"name": key, "form": form or RECORD_FORMS[key](auto_id=f"id_{key}_%s")}
                )
    context = {
        "complaint": complaint,
        "transitions": transitions,
        "records": records,
        "open_form": open_form[0] if open_form else None,
        "timeline": _timeline(complaint),
        "may_see_complainant": selectors.may_see_complainant(user, complaint),
        "history_url": f"{complaint.get_absolute_url()}history/",
    }
    return render(request, "complaints/detail.html", context, status=status)


def _refused(
    request: HttpRequest, reference: str, exc: services.ServiceError, open_form=None
) -> HttpResponse:
    """The complaint page again, as it is now, with the service's reason; nothing was saved."""
    messages.error(request, exc.message)
    complaint = _visible_complaint(request.user, reference)
    if isinstance(exc, services.StaleComplaint):
        # The posted form was based on an old version: show the current one, fresh.
        open_form = None
    return _render_detail(request, complaint, open_form=open_form, status=exc.status_code)


def _invalid(request: HttpRequest, complaint: Complaint, name: str, form) -> HttpResponse:
    messages.error(request, _("Nothing was saved: please correct the form."))
    return _render_detail(request, complaint, open_form=(name, form), status=400)


# --- pages ----------------------------------------------------------------------------------------

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
    }
    return render(request, "complaints/list.html", context, status=status)


@login_required
def complaint_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _render_detail(request, _visible_complaint(request.user, reference))


@login_required
@require_POST
def transition(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """Perform one lifecycle move with the fields of its form (``services.TRANSITIONS``)."""
    if name not in services.TRANSITIONS:
        raise Http404(name)
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    form = _transition_form(name, complaint, data=request.POST)
    if not form.is_valid():
        return _invalid(request, _visible_complaint(request.user, reference), name, form)
    arguments = dict(form.cleaned_data)
    expected_version = arguments.pop("expected_version")
    try:
        services.TRANSITIONS[name](
            complaint, by=request.user, expected_version=expected_version, **arguments
        )
    except services.ServiceError as exc:
        return _refused(request, reference, exc, open_form=(name, form))
    messages.success(
        request,
        _("%(reference)s: %(action)s.")
        % {"reference": reference, "action": services.ACTION_LABELS[name]},
    )
    return redirect(complaint.get_absolute_url())


def _add_record(request: HttpRequest, reference: str, kind: str, save) -> HttpResponse:
    """Shared body of the note, contact and attachment views: ``save(complaint, form)``."""
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    form = RECORD_FORMS[kind](request.POST, request.FILES, auto_id=f"id_{kind}_%s")
    if not form.is_valid():
        return _invalid(request, _visible_complaint(request.user, reference), kind, form)
    try:
        message = save(complaint, form)
    except services.ServiceError as exc:
        return _refused(request, reference, exc, open_form=(kind, form))
    messages.success(request, message)
    return redirect(f"{complaint.get_absolute_url()}#timeline")


@login_required
@require_POST
def add_note(request: HttpRequest, reference: str) -> HttpResponse:
    def save(complaint, form):
        services.add_note(complaint, by=request.user, body=form.cleaned_data["body"])
        return _("Note added.")

    return _add_record(request, reference, "note", save)


@login_required
@require_POST
def log_communication(request: HttpRequest, reference: str) -> HttpResponse:
    def save(complaint, form):
        services.log_communication(complaint, by=request.user, **form.cleaned_data)
        return _("Contact logged.")

    return _add_record(request, reference, "communication", save)


@login_required
@require_POST
def add_attachment(request: HttpRequest, reference: str) -> HttpResponse:
    def save(complaint, form):
        checked = form.checked
        services.add_attachment(
            complaint,
            by=request.user,
            file=form.cleaned_data["file"],
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            public=form.cleaned_data["public"],
        )
        return _("%(name)s attached.") % {"name": checked.name}

    return _add_record(request, reference, "attachment", save)


@login_required
def download_attachment(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """An evidence file, to whoever may see its complaint (never a public media URL)."""
    complaint = selectors.get_complaint_for(request.user, reference)
    attachment = get_object_or_404(Attachment, complaint=complaint, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
