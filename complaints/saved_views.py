"""Saved views of the complaint list: who sees which, who may share, rename and delete, and
the writes (each in a transaction, with the acting user on its history row).

A view stores the list's query string, cleaned against the list's filterset (unknown keys
dropped, invalid values refused), plus its column choice and sort. Opening one replays that
query on the list page, whose queryset starts from the opener's own visibility: sharing a view
shares a filter, never access to a complaint.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import rules
from complaints.models import SavedView

# The list's columns, in their order on the page; a view may show a subset.
COLUMNS = {
    "reference": gettext_lazy("Reference"),
    "received": gettext_lazy("Received on"),
    "state": gettext_lazy("State"),
    "priority": gettext_lazy("Priority"),
    "category": gettext_lazy("Category"),
    "complainant": gettext_lazy("Complainant"),
    "handler": gettext_lazy("Handler"),
    "due": gettext_lazy("Due"),
}
# Query parameters that belong to a page, not to a view.
PAGE_ONLY = {"after", "before", "sort", "columns", "view", "csrfmiddlewaretoken"}
MAX_VIEWS_PER_USER = 50


class SavedViewError(Exception):
    """A refused write, with a message for the user and its HTTP status."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code


def views_for(user, request=None) -> list[SavedView]:
    """The user's own views and those shared with their department, by name: one query,
    served by ``savedview_owner_idx`` and ``savedview_department_idx``, then kept in the cache
    as the queue counts are (``REDRESS_QUEUE_COUNT_SECONDS``) and on ``request``, so the
    navigation costs no query on a warm cache. A write drops the owner's copy and renews the
    department's generation (``_forget``), so nobody sees a stale menu after a change."""
    if request is not None:
        kept = getattr(request, "_redress_saved_views", None)
        if kept is None:
            kept = views_for(user)
            request._redress_saved_views = kept
        return kept
    if user is None or not user.is_authenticated or rules.tier_of(user) is None:
        return []
    department_id = rules.department_id_of(user)
    seconds = settings.REDRESS_QUEUE_COUNT_SECONDS
    generation = cache.get(_department_key(department_id)) if department_id else None
    if seconds > 0:
        cached = cache.get(_user_key(user.pk))
        if cached is not None and cached[0] == generation:
            return cached[1]
    condition = Q(owner_id=user.pk)
    if department_id is not None:
        condition |= Q(shared_with_department_id=department_id)
    views = list(SavedView.objects.filter(condition).order_by("name", "id"))
    if seconds > 0:
        cache.set(_user_key(user.pk), (generation, views), seconds)
    return views


def _user_key(user_id: int) -> str:
    return f"redress:saved-views:{user_id}"


def _department_key(department_id: int) -> str:
    return f"redress:saved-views-department:{department_id}"


def _forget(view: SavedView, department_id: int | None) -> None:
    """After a write: the owner's cached menu, and every member's when a department's views
    changed (a new generation makes their copies stale)."""
    cache.delete(_user_key(view.owner_id))
    if department_id is not None:
        cache.set(_department_key(department_id), uuid.uuid4().hex, None)


def get_view_for(user, pk: int, request=None) -> SavedView | None:
    """The view ``pk`` if ``user`` may open it (own or shared with their department)."""
    return next((view for view in views_for(user, request) if view.pk == pk), None)


def may_share(user) -> bool:
    """Department managers share views with their department."""
    return rules.tier_of(user) == rules.MANAGER and rules.department_id_of(user) is not None


def may_change(view: SavedView, user) -> bool:
    """The owner; for a department view also that department's manager."""
    if view.owner_id == user.pk:
        return True
    return (
        view.shared_with_department_id is not None
        and rules.tier_of(user) == rules.MANAGER
        and rules.department_id_of(user) == view.shared_with_department_id
    )


def clean_query(raw: str, *, request=None) -> str:
    """``raw`` (a list page's query string) with only the filterset's parameters; raises
    SavedViewError when a kept value is invalid (a view that could never open)."""
    from complaints.filters import ComplaintFilter

    params = QueryDict(raw or "", mutable=True)
    filterset = ComplaintFilter(params, request=request)
    known = set(filterset.form.fields)
    for name, form_field in filterset.form.fields.items():
        widget = form_field.widget
        if hasattr(widget, "suffixes"):  # a date range posts name_after and name_before
            known |= {f"{name}_{suffix}" for suffix in widget.suffixes}
    known.add("per_page")
    kept = QueryDict(mutable=True)
    for key in params:
        if key in known and key not in PAGE_ONLY:
            values = [v for v in params.getlist(key) if v != ""]
            if values:
                kept.setlist(key, values)
    if not ComplaintFilter(kept, request=request).form.is_valid():
        raise SavedViewError(_("These filters are not valid, so the view was not saved."))
    return kept.urlencode()


# The column a row is opened by: shown whatever the choice.
ALWAYS_SHOWN = "reference"


def clean_columns(columns) -> list[str]:
    """Known columns in the page's order, the reference always among them; unknown names are
    dropped (an old link or a hand-edited address must not break the page) and none known
    means all."""
    chosen = {c.strip() for c in columns or [] if c.strip() in COLUMNS}
    if not chosen:
        return list(COLUMNS)
    chosen.add(ALWAYS_SHOWN)
    return [c for c in COLUMNS if c in chosen]


def clean_sort(sort: str) -> str:
    from complaints.filters import parse_sort

    return parse_sort(sort)


def _forget_now_and_on_commit(view: SavedView, department_id: int | None) -> None:
    # Now, so this request's redirect shows the change; again after the commit, in case a
    # concurrent page cached the old menu in between.
    _forget(view, department_id)
    transaction.on_commit(lambda: _forget(view, department_id))


def _save(view: SavedView, by, reason: str) -> SavedView:
    view._history_user = by
    view._change_reason = reason
    view.save()
    _forget_now_and_on_commit(view, view.shared_with_department_id)
    return view


def create_view(
    *, by, name: str, query: str, columns=(), sort: str = "", share: bool = False, request=None
) -> SavedView:
    """Save a list filter under ``name``. Sharing needs ``may_share`` (403 otherwise).
    History: one row with the owner as its user."""
    name = name.strip()
    if not name:
        raise SavedViewError(_("Give the view a name."))
    if rules.tier_of(by) is None:
        raise SavedViewError(_("You may not save views."), 403)
    if share and not may_share(by):
        raise SavedViewError(_("Only a department manager may share a view."), 403)
    with transaction.atomic():
        if SavedView.objects.filter(owner=by).count() >= MAX_VIEWS_PER_USER:
            raise SavedViewError(
                _("You have %(count)s views already; delete one first.")
                % {"count": MAX_VIEWS_PER_USER}
            )
        view = SavedView(
            owner=by,
            name=name[:80],
            query=clean_query(query, request=request),
            columns=clean_columns(columns),
            sort=clean_sort(sort),
            shared_with_department_id=rules.department_id_of(by) if share else None,
        )
        return _save(view, by, "saved view created")


def rename_view(view: SavedView, *, by, name: str) -> SavedView:
    name = name.strip()
    if not name:
        raise SavedViewError(_("Give the view a name."))
    if not may_change(view, by):
        raise SavedViewError(_("You may not change this view."), 403)
    with transaction.atomic():
        view.name = name[:80]
        view.updated_at = timezone.now()
        return _save(view, by, "saved view renamed")


def delete_view(view: SavedView, *, by) -> None:
    """Remove a view (its history rows remain, recording who deleted it)."""
    if not may_change(view, by):
        raise SavedViewError(_("You may not delete this view."), 403)
    with transaction.atomic():
        view._history_user = by
        view._change_reason = "saved view deleted"
        department_id = view.shared_with_department_id
        view.delete()
        _forget_now_and_on_commit(view, department_id)


def list_url(view: SavedView) -> str:
    """The list page showing ``view``: its filters, sort, columns, and which view it is."""
    params = QueryDict(view.query or "", mutable=True)
    if view.sort:
        params["sort"] = view.sort
    columns = columns_param(clean_columns(view.columns))
    if columns:
        params["columns"] = columns
    params["view"] = str(view.pk)
    return "/complaints/?" + params.urlencode()


def columns_from(params) -> list[str]:
    """The list's ``columns`` parameter as known column keys. A saved view's address carries
    them comma-separated in one value (``list_url``), the list's column chooser as one
    checkbox value each: both are read."""
    return clean_columns([name for value in params.getlist("columns") for name in value.split(",")])


def column_choices(columns: list[str]) -> list[dict]:
    """Every column of the list for its header and its "Columns" chooser: which are shown, which
    sort (``complaints.filters.SORTS``) and the one that cannot be hidden."""
    from complaints.filters import SORTS

    return [
        {
            "key": key,
            "label": label,
            "shown": key in columns,
            "sortable": key in SORTS,
            "always": key == ALWAYS_SHOWN,
        }
        for key, label in COLUMNS.items()
    ]


def other_params(params, *names: str) -> list[tuple[str, str]]:
    """The query's parameters but ``names``, as pairs: the hidden fields that let a small GET
    form (the column chooser) change one thing and keep the filters, queue, sort and view."""
    return [(key, value) for key, values in params.lists() if key not in names for value in values]


def columns_param(columns: list[str]) -> str:
    """``columns`` as the list's query parameter value; empty when they are all (the default,
    so the address stays short)."""
    return "" if list(columns) == list(COLUMNS) else ",".join(columns)
