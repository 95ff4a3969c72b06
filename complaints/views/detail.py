"""The complaint page and the forms that change a complaint: lifecycle moves, notes,
contacts and files, "assign to me".

Each view fetches through the one visibility function (``selectors``), validates a form,
calls one service, then redirects (success) or renders the complaint page again with a
message and the form as it was posted (failure). A ``ServiceError``'s ``status_code`` is the
HTTP status of that page; nothing is saved when a form or a service refuses.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import actions, panels, refusal_appeals, selectors, services
from complaints.forms import RECORD_FORMS, TRANSITION_FORMS, VersionedForm
from complaints.models import Attachment, Complaint
from complaints.views.modal_forms import record_modals, transition_form, transition_modals
from complaints.views.timeline import Conflict, build_timeline, changes_since


def _visible_complaint(user, reference: str) -> Complaint:
    """The complaint, through the one visibility function, with the joins a list row needs;
    404 when ``user`` may not see it (its existence is not revealed). ``_render_detail`` loads
    the rest of what the page shows (``selectors.complaint_records``)."""
    try:
        return selectors.complaints_visible_to(user).with_list_relations().get(reference=reference)
    except Complaint.DoesNotExist as exc:
        raise Http404(reference) from exc


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    open_form: tuple[str, forms.Form] | None = None,
    status: int = 200,
    conflict: Conflict | None = None,
) -> HttpResponse:
    """The complaint page: a fixed number of queries whatever the length of its timeline (the
    complaint, ``selectors.complaint_records``, the user's permissions, the choices of the
    modals' model fields). After a stale copy was refused, ``conflict`` (one more query) lists
    what changed since the user's version, beside the form they posted."""
    user = request.user
    writer = selectors.may_write(user)
    transitions = transition_modals(complaint, user, open_form)
    records = record_modals(complaint, user, open_form)
    timeline = build_timeline(selectors.complaint_records(complaint))
    posted_name = open_form[0] if open_form else None
    if conflict is not None:
        conflict.changes = changes_since(complaint, conflict.seen_version, timeline)
        shown = {item["name"] for item in transitions} | {item["name"] for item in records}
        conflict.in_form = posted_name in shown
    context = {
        "complaint": complaint,
        "transitions": transitions,
        "records": records,
        "open_form": posted_name,
        "conflict": conflict,
        "timeline": timeline,
        "may_see_complainant": selectors.may_see_complainant(user, complaint),
        "history_url": f"{complaint.get_absolute_url()}history/",
        "assign_to_me": writer and _may_take(complaint, user, transitions),
        # Other apps' panels (improvement: its corrective actions), see complaints.panels.
        "panels": panels.render_detail_panels(request, complaint),
        # Only appeals read their original (不予受理复查): no query for other complaints.
        "decide_refusal_appeal": writer
        and complaint.appeal_of_id is not None
        and refusal_appeals.may_decide(complaint, user),
    }
    return render(request, "complaints/detail.html", context, status=status)


def _refused(
    request: HttpRequest,
    reference: str,
    exc: services.ServiceError,
    open_form: tuple[str, forms.Form] | None = None,
    *,
    seen_version: int | None = None,
) -> HttpResponse:
    """The complaint page again, as it is now, with the service's reason and the posted form
    open with what the user typed; nothing was saved.

    A stale copy (someone changed the complaint since the form was opened) keeps the typed
    input too, moved onto the current version, with what changed since ``seen_version``: the
    user reads the other change, then presses the button again to apply their own on top of it,
    knowingly. The conflict itself is never merged silently (DESIGN.md)."""
    complaint = _visible_complaint(request.user, reference)
    conflict = None
    if isinstance(exc, services.StaleComplaint):
        messages.error(
            request,
            _(
                "%(reference)s was changed by someone else since you opened it. Nothing was "
                "saved. Read what changed; what you typed is kept: press the button again to "
                "apply it to the current version."
            )
            % {"reference": reference},
        )
        open_form, seen = _onto_current_version(complaint, open_form)
        conflict = Conflict(seen_version=seen if seen_version is None else seen_version)
    else:
        messages.error(request, exc.message)
    if open_form is not None and open_form[0] == "attachment":
        messages.warning(request, _("A browser cannot keep a chosen file: choose it again."))
    return _render_detail(
        request, complaint, open_form=open_form, status=exc.status_code, conflict=conflict
    )


def _onto_current_version(
    complaint: Complaint, open_form: tuple[str, forms.Form] | None
) -> tuple[tuple[str, forms.Form] | None, int | None]:
    """The posted form, its typed values kept, its hidden version moved to the complaint's
    current one; and the version the user had seen."""
    if open_form is None:
        return None, None
    name, form = open_form
    if name not in TRANSITION_FORMS:
        return open_form, None  # notes, contacts and files carry no version
    seen = form.cleaned_data.get("expected_version")
    data = form.data.copy()
    data["expected_version"] = str(complaint.version)
    return (name, transition_form(name, complaint, data=data)), seen


def _invalid(request: HttpRequest, complaint: Complaint, name: str, form) -> HttpResponse:
    messages.error(request, _("Nothing was saved: please correct the form."))
    return _render_detail(request, complaint, open_form=(name, form), status=400)


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
    form = transition_form(name, complaint, data=request.POST)
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
        % {"reference": reference, "action": actions.TRANSITION_LABELS[name]},
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


def _may_take(complaint: Complaint, user, transitions: list[dict]) -> bool:
    """Whether the complaint page offers ``user`` "Assign to me": the assign action is open to
    them and the assign service's rule (``selectors.people_who_can_take``, the assign form's
    choices) accepts them as the handler. The page's assign modal has already read those
    choices, so this costs no query (one on a page re-shown with a posted assign form)."""
    if complaint.assignee_id == user.pk:
        return False
    for transition in transitions:
        if transition["name"] == "assign":
            # Iterating the queryset the modal already read uses its cached rows.
            people = transition["form"].fields["assignee"].queryset
            return any(person.pk == user.pk for person in people)
    return False


@login_required
@require_POST
def assign_to_me(request: HttpRequest, reference: str) -> HttpResponse:
    """One click to take a complaint: ``services.assign`` with the user as the handler."""
    complaint = selectors.get_complaint_for(request.user, reference, write=True)
    form = VersionedForm(request.POST)
    if not form.is_valid() or form.cleaned_data["expected_version"] is None:
        messages.error(request, _("Nothing was saved: reload the page and try again."))
        return _render_detail(request, _visible_complaint(request.user, reference), status=400)
    try:
        services.assign(
            complaint,
            by=request.user,
            assignee=request.user,
            expected_version=form.cleaned_data["expected_version"],
        )
    except services.StaleComplaint as exc:
        return _refused(request, reference, exc, seen_version=form.cleaned_data["expected_version"])
    except services.ServiceError as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("%(reference)s is now assigned to you.") % {"reference": reference})
    return redirect(complaint.get_absolute_url())
