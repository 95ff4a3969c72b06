"""What the action pages share: the detail page with its forms, refusals, and pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaints.selectors import complaints_visible_to, may_write
from improvement import forms, rules, selectors, services
from improvement.models import TRANSITION_LABELS, ActionComplaint, CorrectiveAction, done

SHOWN_COMPLAINTS = 200


@dataclass
class Page:
    rows: list[Any]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_of(queryset, raw_number: str | None, size: int) -> Page:
    """Page ``raw_number`` (from 1) of an ordered queryset, fetching one row more than the page
    instead of counting the table."""
    try:
        number = max(1, int(raw_number or 1))
    except ValueError:
        number = 1
    start = (number - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


def writable_action(user, pk: int) -> CorrectiveAction:
    """The action if ``user`` sees it (else 404) and may change things at all (else 403)."""
    action = selectors.get_action_for(user, pk)
    if not may_write(user):
        raise PermissionDenied
    return action


def _transition_forms(action, user, open_form) -> list[dict]:
    posted_name, posted = open_form if open_form else (None, None)
    out = []
    for name in services.available_transitions(action, user):
        form = posted if name == posted_name else None
        if form is None:
            form = forms.TRANSITION_FORMS[name](initial={"expected_version": action.version})
        out.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    return out


def _history(action: CorrectiveAction, visible_refs: dict[int, str]) -> list[dict]:
    """The action's own history rows and its links' rows, newest first (two queries)."""
    entries = [
        {
            "when": row.history_date,
            "who": row.history_user,
            "what": done(row.history_transition),
            "reason": row.history_change_reason,
            "state": row.get_state_display(),
        }
        for row in action.history.select_related("history_user").order_by("-history_id")[:200]
    ]
    for row in (
        ActionComplaint.history.filter(action_id=action.pk)
        .select_related("history_user")
        .order_by("-history_id")[:200]
    ):
        entries.append(
            {
                "when": row.history_date,
                "who": row.history_user,
                "what": done("unlink" if row.history_type == "-" else "link"),
                "reason": visible_refs.get(row.complaint_id, ""),
                "hidden_complaint": row.complaint_id not in visible_refs,
            }
        )
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries


def render_detail(
    request: HttpRequest,
    action: CorrectiveAction,
    *,
    open_form: tuple[str, django_forms.Form] | None = None,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    """The action page: its fields, the complaints the viewer may see (the others counted),
    the history, and a form per move the viewer may make. A fixed number of queries."""
    user = request.user
    linked = complaints_visible_to(user).filter(action_links__action=action)
    complaints = list(linked.with_list_relations().order_by("-received_at")[:SHOWN_COMPLAINTS])
    total = action.links.count()
    visible_refs = dict(linked.values_list("pk", "reference")) if total else {}
    editable = action.is_open and rules.may_edit(action, user)
    link_form = None
    if editable:
        posted_name, posted = open_form if open_form else (None, None)
        link_form = (
            posted
            if posted_name == "link"
            else forms.LinkForm(initial={"expected_version": action.version}, user=user)
        )
    context = {
        "action": action,
        "complaints": complaints,
        "hidden_count": max(0, total - len(visible_refs)),
        "transitions": _transition_forms(action, user, open_form) if may_write(user) else [],
        "open_form": open_form[0] if open_form else None,
        "history": _history(action, visible_refs),
        "editable": editable,
        "link_form": link_form,
        "conflict": conflict,
        "overdue": action.is_overdue(),
    }
    return render(request, "improvement/detail.html", context, status=status)


def refused(
    request: HttpRequest,
    action: CorrectiveAction,
    exc: services.ServiceError,
    open_form: tuple[str, django_forms.Form] | None = None,
) -> HttpResponse:
    """A refused move: the page again, with the reason (409, or 403 for a forbidden one). After
    a stale copy the page shows the action as it is now."""
    if isinstance(exc, PermissionDenied):
        raise exc
    messages.error(request, exc.message)
    fresh = selectors.get_action_for(request.user, action.pk)
    stale = isinstance(exc, services.StaleAction)
    return render_detail(
        request,
        fresh,
        open_form=None if stale else open_form,
        status=409,
        conflict=exc.message if stale else "",
    )
