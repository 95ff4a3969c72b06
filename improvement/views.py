"""Corrective action pages: thin views over ``improvement.selectors`` and ``services``."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from improvement import selectors


@login_required
def action_list(request: HttpRequest) -> HttpResponse:
    actions = selectors.with_list_relations(selectors.actions_visible_to(request.user))[:50]
    return render(request, "improvement/list.html", {"actions": actions})


@login_required
def action_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = selectors.get_action_for(request.user, pk)
    return render(request, "improvement/detail.html", {"action": action})


@login_required
def action_create(request: HttpRequest) -> HttpResponse:
    raise Http404


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404


@login_required
@require_POST
def action_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    raise Http404


def complaint_actions_panel(request: HttpRequest, complaint) -> str:
    """The complaint page's panel: the actions addressing it that the viewer may see."""
    actions = list(selectors.actions_for_complaint(request.user, complaint))
    if not actions:
        return ""
    return render_to_string(
        "improvement/_complaint_panel.html",
        {"actions": actions, "complaint": complaint},
        request=request,
    )
