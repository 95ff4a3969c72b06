"""Intake pages: staff registration with the complainant's earlier complaints, the duplicates
page of a registered complaint, and the public pages (complaint form, tracking, appeal)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import rules, selectors, services
from complaints.error_pages import too_many_requests
from complaints.models import Channel, Complaint, State
from intake import ratelimit
from intake import selectors as intake_selectors
from intake import services as intake_services
from intake.forms import (
    AppealForm,
    DuplicateActionForm,
    FirstContactForm,
    PublicComplaintForm,
    StaffRegistrationForm,
    TrackForm,
)
from intake.services import FirstContactResolution

# ---------------------------------------------------------------------------------------------
# Staff
# ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """Staff intake (登记): frontline and up register a complaint received in person."""
    if not selectors.may_write(request.user):
        raise PermissionDenied
    form = StaffRegistrationForm(request.POST or None, request.FILES or None, user=request.user)
    first_contact = FirstContactForm(request.POST or None)
    context = {"form": form, "first_contact": first_contact}
    if request.method == "POST" and form.is_valid() & first_contact.is_valid():
        resolution = first_contact.resolution()
        if resolution is not None and (
            form.cleaned_data.get("merge_into_reference")
            or form.cleaned_data.get("appeal_of_reference")
        ):
            first_contact.add_error(
                "resolved",
                _("A duplicate or an appeal cannot be resolved at first contact."),
            )
            return render(request, "intake/register.html", context, status=400)
        try:
            complaint, created = _register_from(form, request.user, resolution)
        except services.ServiceError as exc:
            form.add_error(None, exc.message)
            return render(request, "intake/register.html", context, status=exc.status_code)
        if not created:
            messages.info(
                request,
                _("This form was already sent: %(reference)s is the complaint it registered.")
                % {"reference": complaint.reference},
            )
        elif complaint.merged_into_id:
            messages.success(
                request,
                _("Complaint %(reference)s registered and merged into %(target)s.")
                % {"reference": complaint.reference, "target": complaint.merged_into.reference},
            )
        elif resolution is not None:
            messages.success(
                request,
                _("Complaint %(reference)s registered and resolved at first contact.")
                % {"reference": complaint.reference},
            )
        else:
            messages.success(
                request,
                _("Complaint %(reference)s registered.") % {"reference": complaint.reference},
            )
        return redirect(complaint.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/register.html", context, status=status)


def _register_from(
    form: StaffRegistrationForm, user, resolution: FirstContactResolution | None = None
) -> tuple[Complaint, bool]:
    fields = form.registration_fields()
    description = fields.pop("description")
    channel = form.cleaned_data["channel"]
    evidence = form.cleaned_data["attachments"]
    original = form.cleaned_data.get("appeal_of_reference")
    if original is not None:
        return intake_services.register_appeal(
            original, by=user, channel=channel, description=description, evidence=evidence, **fields
        )
    token = form.cleaned_data.get("submission_token")
    idempotency = {
        "idempotency_key": token,
        "idempotency_scope": f"staff-form:{user.pk}" if token else "",
    }
    if resolution is not None:
        return intake_services.register_resolved_at_first_contact(
            by=user,
            channel=channel,
            description=description,
            resolution=resolution,
            evidence=evidence,
            **idempotency,
            **fields,
        )
    return intake_services.register(
        by=user,
        channel=channel,
        description=description,
        evidence=evidence,
        merge_into=form.cleaned_data.get("merge_into_reference"),
        **idempotency,
        **fields,
    )


def _earlier_json(found) -> list[dict]:
    return [
        {
            "reference": e.complaint.reference,
            "url": e.complaint.get_absolute_url(),
            "received_at": e.complaint.received_at.isoformat(),
            "state": e.complaint.state,
            "state_label": str(e.complaint.get_state_display()),
            "category": str(e.complaint.category) if e.complaint.category else "",
            "summary": e.complaint.description[:120],
            "open": e.open,
            "duplicate": e.duplicate,
        }
        for e in found
    ]


@login_required
@require_GET
def earlier(request):
    """The complainant's earlier complaints while staff type their phone/email/ID (JSON)."""
    if rules.tier_of(request.user) is None:
        raise PermissionDenied
    category = request.GET.get("category", "")
    found = intake_selectors.earlier_complaints(
        queryset=intake_selectors.visible_for_lookup(request.user),
        phone=request.GET.get("phone", ""),
        email=request.GET.get("email", ""),
        id_number=request.GET.get("id_number", ""),
        category=int(category) if category.isdigit() else None,
    )
    return JsonResponse({"results": _earlier_json(found)})


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request, reference: str):
    """A registered complaint's possible duplicates and the cases it may repeat; POST merges it
    into an open duplicate or links it as a repeat."""
    complaint = selectors.get_complaint_for(request.user, reference, write=request.method == "POST")
    form = DuplicateActionForm(request.POST or None, user=request.user, complaint=complaint)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            target = form.cleaned_data["target"]
            try:
                if form.cleaned_data["action"] == "merge":
                    services.merge(
                        complaint,
                        into=target,
                        by=request.user,
                        expected_version=form.cleaned_data["expected_version"],
                    )
                    done = _("%(reference)s was merged into %(target)s.")
                else:
                    services.link_repeat(complaint, repeat_of=target, by=request.user)
                    done = _("%(reference)s is now linked as a repeat of %(target)s.")
            except services.ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                messages.success(
                    request, done % {"reference": complaint.reference, "target": target.reference}
                )
                return redirect(complaint.get_absolute_url())
        else:
            status = 400
    found = intake_selectors.earlier_complaints(
        queryset=intake_selectors.visible_for_lookup(request.user),
        phone=complaint.complainant_phone,
        email=complaint.complainant_email,
        id_number=complaint.complainant_id_number,
        category=complaint.category_id,
        exclude=complaint,
    )
    context = {"complaint": complaint, "found": found, "form": form}
    return render(request, "intake/duplicates.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Public pages (no login)
# ---------------------------------------------------------------------------------------------

SUBMITTED_KEY = "intake_submitted"
TRACKING_KEY = "intake_tracking"


def guarded(scope: str, limit_setting: str):
    """Refuse an oversized or rate-limited POST before its body is parsed.

    Django's CSRF middleware reads the POST body before any view decorator runs, so the view is
    exempted from the middleware and CSRF is checked by ``csrf_protect`` after these cheap
    checks: a 30 MB upload from an abusive client is refused without being read.
    """

    def decorate(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method == "POST":
                length = request.META.get("CONTENT_LENGTH") or "0"
                if not length.isdigit() or int(length) > settings.REDRESS_PUBLIC_MAX_REQUEST_BYTES:
                    return render(
                        request,
                        "intake/public_error.html",
                        {
                            "message": _(
                                "Your submission is too large. Send fewer or smaller files."
                            )
                        },
                        status=413,
                    )
                if scope and ratelimit.exceeded(request, scope, getattr(settings, limit_setting)):
                    return too_many_requests(
                        request,
                        _("Too many attempts from your network. Try again later."),
                        public=True,
                    )
            return protected(request, *args, **kwargs)

        return wrapper

    return decorate


def _grant(request, complaint: Complaint) -> None:
    """Remember in the session that this visitor proved they may track ``complaint``."""
    granted = [pk for pk in request.session.get(TRACKING_KEY, []) if pk != complaint.pk]
    request.session[TRACKING_KEY] = [complaint.pk, *granted][:20]


def _granted(request, reference: str) -> Complaint | None:
    pks = request.session.get(TRACKING_KEY, [])
    if not pks:
        return None
    return (
        Complaint.objects.select_related("merged_into", "appeal_of", "category")
        .filter(pk__in=pks, reference=reference)
        .first()
    )


@require_http_methods(["GET", "POST"])
@guarded("submit", "REDRESS_PUBLIC_SUBMIT_LIMIT")
def submit(request):
    """The public complaint form (web channel)."""
    posted = request.method == "POST"
    # Bound on every POST, even one whose body held no form fields (JSON, plain text): the form
    # then says which fields are missing instead of showing itself blank.
    form = PublicComplaintForm(request.POST if posted else None, request.FILES if posted else None)
    if posted:
        ratelimit.hit(request, "submit")
        if form.is_bot:
            message = _("Your submission could not be accepted.")
            return render(request, "intake/public_error.html", {"message": message}, status=400)
        if form.is_valid():
            token = form.cleaned_data["submission_token"]
            complaint, _created = intake_services.register(
                by=None,
                channel=Channel.WEB,
                description=form.cleaned_data["description"],
                evidence=form.cleaned_data["attachments"],
                complainant_language=request.LANGUAGE_CODE,
                idempotency_key=token,
                idempotency_scope="web-form" if token else "",
                **form.registration_fields(),
            )
            request.session[SUBMITTED_KEY] = complaint.reference
            _grant(request, complaint)
            return redirect("intake:submitted")
    status = 400 if request.method == "POST" else 200
    return render(request, "intake/submit.html", {"form": form}, status=status)


@require_GET
def submitted(request):
    """Shows the reference and tracking code of what this visitor just submitted."""
    reference = request.session.get(SUBMITTED_KEY)
    complaint = _granted(request, reference) if reference else None
    if complaint is None:
        return redirect("intake:submit")
    return render(request, "intake/submitted.html", {"complaint": complaint})


@require_http_methods(["GET", "POST"])
@guarded("track", "REDRESS_PUBLIC_TRACK_LIMIT")
def track(request):
    """Look a complaint up by reference and tracking code (or the contact it was filed with)."""
    form = TrackForm(request.POST or None, initial={"reference": request.GET.get("reference", "")})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            complaint = intake_selectors.find_for_tracking(
                form.cleaned_data["reference"],
                code=form.cleaned_data["tracking_code"],
                contact=form.cleaned_data["contact"],
            )
            if complaint is not None:
                _grant(request, complaint)
                return redirect("intake:track_detail", reference=complaint.reference)
            # Only failures count: a complainant checking often is not an attacker.
            ratelimit.hit(request, "track")
            form.add_error(None, _("No complaint matches these details."))
            status = 404
    return render(request, "intake/track.html", {"form": form}, status=status)


@require_GET
def track_detail(request, reference: str):
    complaint = _granted(request, reference)
    if complaint is None:
        return redirect(f"{reverse('intake:track')}?reference={reference}")
    return _render_status(request, complaint, AppealForm())


def _render_status(request, complaint: Complaint, appeal_form, status: int = 200):
    context = {
        "complaint": complaint,
        "status": intake_selectors.public_status(complaint),
        "replies": intake_selectors.public_replies(complaint),
        "appeal": _current_appeal(complaint),
        "may_appeal": intake_services.may_appeal(complaint),
        "appeal_deadline": intake_services.appeal_deadline(complaint),
        "appeal_form": appeal_form,
    }
    return render(request, "intake/track_detail.html", context, status=status)


def _current_appeal(complaint: Complaint):
    # The appeal against how the case ended now: a complaint refused, accepted on appeal and
    # closed may be appealed again, against its outcome.
    appeals = complaint.appeals.only("reference", "received_at").order_by("-received_at")
    ended = complaint.closed_at if complaint.state == State.CLOSED else complaint.rejected_at
    if ended is not None:
        appeals = appeals.filter(received_at__gte=ended)
    return appeals.first()


@require_POST
@guarded("submit", "REDRESS_PUBLIC_SUBMIT_LIMIT")
def appeal(request, reference: str):
    """The complainant appeals a closed complaint's outcome, or a refusal (不予受理复查), from
    the tracking page."""
    original = _granted(request, reference)
    if original is None:
        return redirect(f"{reverse('intake:track')}?reference={reference}")
    ratelimit.hit(request, "submit")
    form = AppealForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_status(request, original, form, status=400)
    try:
        complaint, _created = intake_services.register_appeal(
            original,
            by=None,
            channel=Channel.WEB,
            description=form.cleaned_data["description"],
            request=form.cleaned_data["request"],
            evidence=form.cleaned_data["attachments"],
        )
    except services.ServiceError as exc:
        form.add_error(None, exc.message)
        return _render_status(request, original, form, status=exc.status_code)
    request.session[SUBMITTED_KEY] = complaint.reference
    _grant(request, complaint)
    return redirect("intake:submitted")
