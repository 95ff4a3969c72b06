"""The saved views' pages: save the list's current filter, open, rename and delete a view.
Kept apart from ``complaints.views`` so the list page's own module stays about the list.
Thin views: each parses a form, calls one function of ``complaints.saved_views`` and
redirects; a refusal is a message and its 4xx status, nothing saved."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from complaints import rules, saved_views


class SaveViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)
    query = forms.CharField(required=False, max_length=1000, widget=forms.HiddenInput)
    sort = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    share = forms.BooleanField(label=gettext_lazy("Share with my department"), required=False)


class RenameViewForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80)


def _back(request: HttpRequest, fallback: str = "/complaints/") -> str:
    target = request.POST.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def _refuse(request: HttpRequest, message: str, status: int) -> HttpResponse:
    """A refusal inside the layout, with the reason and a way back to the list."""
    messages.error(request, message)
    return render(
        request, "complaints/saved_view_refused.html", {"back": _back(request)}, status=status
    )


def _view_or_404(request: HttpRequest, pk: int):
    if rules.tier_of(request.user) is None:
        raise Http404
    view = saved_views.get_view_for(request.user, pk)
    if view is None:
        raise Http404(pk)
    return view


@login_required
@require_POST
def save_view(request: HttpRequest) -> HttpResponse:
    form = SaveViewForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _("Nothing was saved: the view needs a name."), 400)
    try:
        view = saved_views.create_view(
            by=request.user,
            request=request,
            # Unknown column names are dropped (saved_views.clean_columns), not refused.
            columns=request.POST.getlist("columns"),
            **form.cleaned_data,
        )
    except saved_views.SavedViewError as exc:
        return _refuse(request, exc.message, exc.status_code)
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return redirect(saved_views.list_url(view))


@login_required
@require_GET
def open_view(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(saved_views.list_url(_view_or_404(request, pk)))


@login_required
@require_POST
def rename_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = _view_or_404(request, pk)
    form = RenameViewForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _("Nothing was saved: the view needs a name."), 400)
    try:
        saved_views.rename_view(view, by=request.user, name=form.cleaned_data["name"])
    except saved_views.SavedViewError as exc:
        return _refuse(request, exc.message, exc.status_code)
    messages.success(request, _("View renamed to “%(name)s”.") % {"name": view.name})
    return redirect(saved_views.list_url(view))


@login_required
@require_POST
def delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = _view_or_404(request, pk)
    name = view.name
    try:
        saved_views.delete_view(view, by=request.user)
    except saved_views.SavedViewError as exc:
        return _refuse(request, exc.message, exc.status_code)
    messages.success(request, _("View “%(name)s” deleted.") % {"name": name})
    return redirect("complaints:list")
