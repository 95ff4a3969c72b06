"""The site's error pages: 403, 404, 429 and 500, in the visitor's language, with a way back.

A complainant on a public page (the form, tracking, the survey) or any visitor who is not
logged in gets the public layout, which shows no staff navigation; staff get the workspace
layout and a link back to their dashboard. The 500 page is rendered from a self-contained
template without the request context: the error may be the database itself, and the context
processors (the user, the session, messages) would need it.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# Pages a complainant sees: their error pages must look public, whoever is logged in.
PUBLIC_PREFIXES = ("/submit/", "/track/", "/survey/", "/open311/", "/accounts/")

STAFF_LAYOUT = "base.html"
PUBLIC_LAYOUT = "errors/public_layout.html"


def _is_staff_visitor(request) -> bool:
    if request.path.startswith(PUBLIC_PREFIXES):
        return False
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def error_context(request, *, public: bool | None = None) -> dict:
    """The layout and the way back for an error page shown to this visitor."""
    staff = (not public) and _is_staff_visitor(request)
    if staff:
        return {
            "layout": STAFF_LAYOUT,
            "back_url": reverse("complaints:dashboard"),
            "back_label": _("Back to your dashboard"),
        }
    return {
        "layout": PUBLIC_LAYOUT,
        "back_url": reverse("intake:submit"),
        "back_label": _("Go to the complaint form"),
        "track_url": reverse("intake:track"),
    }


@requires_csrf_token
def forbidden(request, exception=None):
    return render(request, "403.html", error_context(request), status=403)


@requires_csrf_token
def not_found(request, exception=None):
    return render(request, "404.html", error_context(request), status=404)


def too_many_requests(request, message: str = "", *, public: bool | None = None):
    """The 429 page, for the public form's and tracking page's limits and the survey's."""
    context = {**error_context(request, public=public), "message": message}
    return render(request, "429.html", context, status=429)


def server_error(request, *args, **kwargs):
    """Render the 500 page with nothing but the template engine and the translations."""
    try:
        language = translation.get_language_from_request(request)
    except Exception:  # noqa: BLE001 - a broken request must still get the page
        language = None
    if request.path.startswith("/api/"):
        # The API answers in its one error shape (complaints/api/errors.py), never in HTML.
        with translation.override(language):
            message = _("The server could not finish your request. Try again in a few minutes.")
        error = {"code": "server_error", "message": message, "fields": {}}
        return JsonResponse({"error": error}, status=500)
    try:
        with translation.override(language):
            body = loader.get_template("500.html").render(
                {"LANGUAGE_CODE": translation.get_language()}
            )
        return HttpResponseServerError(body)
    except Exception:  # the template itself failed: a plain page rather than nothing
        logger.exception("the 500 page could not be rendered")
        return HttpResponse(
            "<h1>Server Error (500)</h1><p>服务器出错，请稍后再试。</p>",
            status=500,
        )
