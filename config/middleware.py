"""Requests refused before any view or other middleware reads them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _


class RefuseUnreadableRequests:
    """400 for what no field of ours can hold, before the CSRF check or a view reads it:

    - a NUL character in the path or query string (PostgreSQL text cannot store one, and no
      reference, code or filter value contains one);
    - a form body that declares a charset other than UTF-8 (Django refuses to decode it, and
      its own 400 and 500 pages would read the body again and fail the same way).

    Form fields are checked by the forms themselves (Django's and DRF's character fields refuse
    NUL), so bodies are left unread here: the upload limits answer 413 before reading them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or (query and b"\x00" in unquote_to_bytes(query)):
            return HttpResponseBadRequest(
                _("The address contains a NUL character."), content_type="text/plain"
            )
        if (
            request.content_type == "application/x-www-form-urlencoded"
            and request.encoding is not None
            and request.encoding.lower() != "utf-8"  # what Django's own parser accepts
        ):
            return HttpResponseBadRequest(
                _("Form data must be sent as UTF-8."), content_type="text/plain"
            )
        return self.get_response(request)
