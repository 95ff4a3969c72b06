"""The staff workspace: dashboards by tier, the complaint list, the complaint page and the
forms that change a complaint.

Views are thin: they fetch through the one visibility function (``selectors``), validate a
form, call one service, then redirect (success) or render the complaint page again with a
message and the form as it was posted (failure). A ``ServiceError``'s ``status_code`` is the
HTTP status of that page; nothing is saved when a form or a service refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from complaints import (
    actions,
    bulk,
    dashboards,
    history,
    panels,
    refusal_appeals,
    rules,
    saved_views,
    selectors,
    services,
)
from complaints.exports import csv_response, xlsx_stream_response
from complaints.filters import (
    PAGE_SIZES,
    SORTS,
    ComplaintFilter,
    InvalidCursor,
    paginate,
    parse_sort,
)
from complaints.forms import RECORD_FORMS, TRANSITION_FORMS, AssignForm, VersionedForm
from complaints.models import Attachment, Complaint, Tier
from complaints.people import display_name
from complaints.templatetags import workspace

# --- helpers --------------------------------------------------------------------------------------


def _require_staff(user) -> str:
    tier = rules.tier_of(user)
    if tier is None:
        raise PermissionDenied
    return tier


def _visible_complaint(user, reference: str) -> Complaint:
    """The complaint, through the one visibility function, with the joins a list row needs;
    404 when ``user`` may not see it (its existence is not revealed). ``_render_detail`` loads
    the rest of what the page shows (``selectors.complaint_records``)."""
    try:
        return selectors.complaints_visible_to(user).with_list_relations().get(reference=reference)
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


def _record_form(name: str) -> forms.Form:
    return RECORD_FORMS[name](auto_id=f"id_{name}_%s")


def _transition_label(complaint: Complaint, name: str) -> str:
    fsm_transition = getattr(Complaint, name)._django_fsm.get_transition(complaint.state)
    label = (fsm_transition.custom or {}).get("label") if fsm_transition else None
    return str(label or name)


# --- the modals' forms ----------------------------------------------------------------------------
# crispy renders a form through a template per field, about a millisecond a field: rendering the
# five or so modals of a complaint page took half of its time. The HTML of a blank form is the
# same on every complaint but for its hidden inputs (the version the user saw), so the visible
# part is kept per process, under a key made of everything that HTML depends on (_form_key), and
# the hidden inputs are rendered per page. A form with the user's input and errors is rendered
# in full, as before.

_FORM_HTML: dict[tuple, str] = {}
_FORM_HTML_LIMIT = 256  # keys are few (forms × languages × choice lists); a bound, not an LRU


def _form_html(form: forms.Form, blank: Callable[[], forms.Form]) -> str:
    """The HTML of a modal's ``form``, as ``{{ form|crispy }}`` renders it. ``blank`` makes a
    fresh copy of the unbound form, rendered without its hidden inputs when the HTML of its
    visible fields is not yet kept."""
    if form.is_bound:
        return as_crispy_form(form)
    visible_fields = {
        name: form_field
        for name, form_field in form.fields.items()
        if not form_field.widget.is_hidden
    }
    # A model field's choices are read from the database on every page (one query each, as
    # rendering them would cost), so a new handler or category is offered at once.
    choices = {
        name: _choices(form_field)
        for name, form_field in visible_fields.items()
        if isinstance(form_field, forms.ChoiceField)
    }
    key = _form_key(form, visible_fields, choices)
    visible = _FORM_HTML.get(key)
    if visible is None:
        copy = blank()
        for name in list(copy.fields):
            if name not in visible_fields:
                del copy.fields[name]
            elif name in choices:
                copy.fields[name].choices = choices[name]  # as read for the key: no new query
        visible = as_crispy_form(copy)
        if len(_FORM_HTML) >= _FORM_HTML_LIMIT:
            _FORM_HTML.clear()
        _FORM_HTML[key] = visible
    # crispy renders a hidden field as the bare input; the version field comes first anyway.
    hidden = "".join(str(bound) for bound in form.hidden_fields())
    return mark_safe(hidden + visible)  # noqa: S308 - both parts are HTML rendered by Django


def _choices(form_field: forms.ChoiceField) -> list:
    if isinstance(form_field, forms.ModelChoiceField):
        # What ModelChoiceIterator yields, from one plain query (iterating it would open a
        # server-side cursor: three round trips).
        iterator = form_field.choices
        choices = [("", form_field.empty_label)] if form_field.empty_label is not None else []
        return choices + [iterator.choice(obj) for obj in form_field.queryset]
    return list(form_field.choices)


def _form_key(form: forms.Form, visible_fields: dict, choices: dict) -> tuple:
    """Everything the HTML of an unbound form's visible fields depends on: its class, ids and
    CSS class, the language, and per field its type, label, help text, widget and attributes,
    initial value and choices."""
    fields = tuple(
        (
            name,
            type(form_field),
            type(form_field.widget),
            str(form_field.label),
            str(form_field.help_text),
            form_field.required,
            form_field.disabled,
            form_field.localize,
            tuple(sorted((attr, str(value)) for attr, value in form_field.widget.attrs.items())),
            repr(form.get_initial_for_field(form_field, name)),
            _plain(choices.get(name, ())),
        )
        for name, form_field in visible_fields.items()
    )
    return (
        type(form),
        form.auto_id,
        form.prefix,
        form.label_suffix,
        form.use_required_attribute,
        getattr(form, "required_css_class", None),  # optional, as BoundField reads it
        get_language(),
        fields,
    )


def _plain(choices) -> tuple:
    """Choices (perhaps grouped, with lazy labels) as nested tuples of strings."""
    return tuple(
        (str(value), _plain(label) if isinstance(label, list | tuple) else str(label))
        for value, label in choices
    )


# --- the complaint page ---------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # history, note, communication, attachment
    title: str
    actor: Any = None
    text: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    obj: Any = None
    history_id: int | None = None  # a history entry's row, to find the changes a conflict names


# What the timeline shows of each history row's changes, in this order, as the page names them.
_TIMELINE_FIELDS = ("state", "tier", "priority", "assignee", "department")


def _timeline(records: selectors.ComplaintRecords) -> list[TimelineEntry]:
    """History rows, notes, communications and attachments in one time order; each history
    row lists what it changed in the state, tier, priority, handler and department."""
    users, departments = records.users, records.departments
    labels = {
        name: dict(Complaint._meta.get_field(name).flatchoices)
        for name in ("state", "tier", "priority")
    }
    headings = {
        "state": _("State"),
        "tier": _("Tier"),
        "priority": _("Priority"),
        "assignee": _("Handler"),
        "department": _("Department"),
    }

    def shown(name: str, value) -> str | None:
        if name == "assignee":
            return display_name(users.get(value)) or "—"
        if name == "department":
            return str(departments.get(value, "—"))
        # As Model.get_FOO_display() shows it.
        return force_str(labels[name].get(value, value), strings_only=True)

    entries: list[TimelineEntry] = []
    previous = None
    for row in records.history:
        delta = {c.field: c for c in history.changes(row, previous, fields=_TIMELINE_FIELDS)}
        changes = []
        for name in _TIMELINE_FIELDS:
            if name in delta:
                old, new = shown(name, delta[name].old), shown(name, delta[name].new)
                if old != new:
                    changes.append((headings[name], old, new))
        entries.append(
            TimelineEntry(
                at=row.history_date,
                kind="history",
                title=actions.title(row.history_transition),
                actor=users.get(row.history_user_id),
                text=row.history_change_reason or "",
                changes=changes,
                history_id=row.history_id,
            )
        )
        previous = row
    for note in records.notes:
        entries.append(
            TimelineEntry(note.created_at, "note", _("Note"), note.author, note.body, obj=note)
        )
    for comm in records.communications:
        title = f"{comm.get_medium_display()} · {comm.get_direction_display()}"
        entries.append(
            TimelineEntry(
                comm.occurred_at, "communication", title, comm.author, comm.summary, obj=comm
            )
        )
    for attachment in records.attachments:
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
    conflict: Conflict | None = None,
) -> HttpResponse:
    """The complaint page: a fixed number of queries whatever the length of its timeline (the
    complaint, ``selectors.complaint_records``, the user's permissions, the choices of the
    modals' model fields). After a stale copy was refused, ``conflict`` (one more query) lists
    what changed since the user's version, beside the form they posted."""
    user = request.user
    posted_name, posted = open_form if open_form else (None, None)
    writer = selectors.may_write(user)
    names = services.available_transitions(complaint, user) if writer else []
    transitions = []
    for name in names:
        form = posted if name == posted_name else _transition_form(name, complaint)
        transitions.append(
            {
                "name": name,
                "label": _transition_label(complaint, name),
                "form": form,
                "html": _form_html(form, partial(_transition_form, name, complaint)),
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
                form = posted if key == posted_name else _record_form(key)
                records.append(
                    {
                        "name": key,
                        "form": form,
                        "html": _form_html(form, partial(_record_form, key)),
                    }
                )
    timeline = _timeline(selectors.complaint_records(complaint))
    if conflict is not None:
        conflict.changes = _changes_since(complaint, conflict.seen_version, timeline)
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


@dataclass
class ConflictChange:
    """One change made since the user's version: the timeline's entry (who, when, the action,
    the state, tier, priority, handler or department before and after) and the readable labels
    of the other fields it changed."""

    entry: TimelineEntry
    other_fields: list[str]


@dataclass
class Conflict:
    seen_version: int | None
    changes: list[ConflictChange] = field(default_factory=list)
    in_form: bool = False  # the posted form is on the page (its action is still possible)


# Not among a conflict's "other fields": those the timeline entry already shows with their
# values, and the tracking code (bookkeeping; ``history.NOT_A_CHANGE`` holds the rest).
_NOT_SHOWN_AS_OTHER = {*_TIMELINE_FIELDS, "tracking_code"}


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
    return (name, _transition_form(name, complaint, data=data)), seen


def _changes_since(
    complaint: Complaint, seen_version: int | None, timeline: list[TimelineEntry]
) -> list[ConflictChange]:
    """The history rows written after version ``seen_version``, each as its timeline entry
    plus the labels of the other fields it changed (``complaints.history.changes`` against
    the row before it). One query; nothing when the version seen is unknown."""
    if seen_version is None:
        return []
    entries = {entry.history_id: entry for entry in timeline if entry.kind == "history"}
    rows = complaint.history.filter(version__gte=seen_version).order_by(
        "history_date", "history_id"
    )
    changes, previous = [], None
    for row in rows:
        entry = entries.get(row.history_id)
        if row.version > seen_version and entry is not None:
            other = history.changed_fields(row, previous, excluded=_NOT_SHOWN_AS_OTHER)
            changes.append(
                ConflictChange(entry=entry, other_fields=[workspace.field_label(n) for n in other])
            )
        previous = row
    return changes


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


# --- fast moves (#15): jump to a reference, assign to me -----------------------------------------

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
