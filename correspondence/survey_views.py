"""The public satisfaction survey page: no login, reached only through a signed link.

The page shows the organisation's name and the complaint's reference, never the complainant's
details or the account of the complaint: whoever holds the link (a forwarded text message, a
shared phone) learns nothing more than the reference. Everything that is not an open link gets
the same polite page, so a link that does not work reveals nothing either.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from complaints.error_pages import error_context
from complaints.models import FollowUpOutcome
from correspondence import survey
from correspondence.survey_forms import SurveyForm

RATE_SCOPE = "survey"


def _client_ip(request) -> str:
    header = settings.REDRESS_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    # X-Forwarded-For style lists: the proxy appends, so the last entry is what it saw.
    return forwarded.split(",")[-1].strip() if forwarded else request.META.get("REMOTE_ADDR", "")


def _rate_key(request) -> str:
    # The public form's fixed windows and limits (REDRESS_PUBLIC_*), counted in the same
    # cache, under this page's own scope; the address is hashed so the cache holds no IPs.
    window = settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS
    digest = hashlib.sha256(_client_ip(request).encode()).hexdigest()[:32]
    return f"redress:rl:{RATE_SCOPE}:{digest}:{int(time.time()) // window}"


def _count_answer(request) -> int:
    """Count one posted answer from this client; returns the count in the current window."""
    cache = caches[settings.REDRESS_RATE_LIMIT_CACHE]
    key = _rate_key(request)
    cache.add(key, 0, timeout=settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS)
        return 1


def _language(request, complaint=None) -> str:
    """The page's language: the one picked with the switch (?lang=), else the complainant's
    own, else what the browser asked for."""
    supported = {code for code, _name in settings.LANGUAGES}
    asked = request.GET.get("lang", "")
    if asked in supported:
        return asked
    if complaint is not None and complaint.complainant_language in supported:
        return complaint.complainant_language
    return translation.get_language_from_request(request)


def _page(request, template: str, language: str, context: dict, status: int = 200):
    context = {
        "organisation": settings.REDRESS_ORGANISATION_NAME,
        "contact": settings.REDRESS_ORGANISATION_CONTACT,
        "language": language,
        **context,
    }
    with translation.override(language):
        response = render(request, template, context, status=status)
    response.headers["Content-Language"] = language
    # The link is the complainant's key: keep the page out of indexes.
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _closed(request, language: str, status: int = 410):
    return _page(request, "correspondence/survey_closed.html", language, {}, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request, token: str):
    """Show the question (GET) or record the answer (POST, CSRF-protected by the middleware)."""
    # Every post counts, answered or not: a stream of posts is refused before it reaches the
    # database, and a complainant answers once.
    if request.method == "POST" and _count_answer(request) > settings.REDRESS_PUBLIC_SUBMIT_LIMIT:
        return _page(request, "429.html", _language(request), error_context(request), status=429)
    complaint = survey.open_complaint(token)
    if complaint is None:
        return _closed(request, _language(request))
    language = _language(request, complaint)
    form = SurveyForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        # Validated in the page's language: the error messages are made here.
        with translation.override(language):
            valid = form.is_valid()
        if valid:
            try:
                survey.answer(
                    token,
                    outcome=form.cleaned_data["outcome"],
                    comment=form.cleaned_data["comment"],
                )
            except survey.SurveyClosed:
                return _closed(request, language)
            outcome = form.cleaned_data["outcome"]
            return _page(
                request,
                "correspondence/survey_thanks.html",
                language,
                {
                    "reference": complaint.reference,
                    "dissatisfied": outcome == FollowUpOutcome.DISSATISFIED,
                },
            )
        status = 400
    return _page(
        request,
        "correspondence/survey.html",
        language,
        {"reference": complaint.reference, "form": form},
        status=status,
    )
