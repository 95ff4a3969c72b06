"""The handler's side of writing to the complainant: the reply page, and the retry and
"posted" buttons of the messages panel on the complaint page.

Thin views: the complaint comes through the one visibility function (404 if invisible, 403
for auditors), the rule on who may write is the one the complaint page uses to offer "log a
call, email or letter", and everything else (rendering, checking the text, the outbox row, the
timeline entry) is ``correspondence.services``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from complaints import rules, selectors
from complaints.models import Complaint
from complaints.services import ServiceError
from correspondence import services
from correspondence.forms import ReplyForm
from correspondence.models import Channel, Message


def may_write_to(complaint: Complaint, user) -> bool:
    """Whether to offer writing at all: the complaint page's rule for logging a contact (a
    handler of this complaint with the permission to add communications), and, as
    ``services.send_reply`` requires, a user who may see who complained (对信访人身份保密).
    The service checks again; this only avoids offering a button that would be refused."""
    return (
        selectors.may_write(user)
        and rules.handles(complaint, user)
        and user.has_perm("complaints.add_communication")
        and selectors.may_see_complainant(user, complaint)
    )


def _writable_complaint(user, reference: str) -> Complaint:
    complaint = selectors.get_complaint_for(user, reference, write=True)
    if not may_write_to(complaint, user):
        raise PermissionDenied
    return complaint


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(message) for message in exc.messages)


@login_required
@require_http_methods(["GET", "POST"])
def write(request: HttpRequest, reference: str) -> HttpResponse:
    """Choose a channel and a template or a text, preview it, send it."""
    complaint = _writable_complaint(request.user, reference)
    channels = services.channels_for(complaint)
    data = request.POST.copy() if request.method == "POST" else None
    form = ReplyForm(data, complaint=complaint, channels=channels)
    preview, status = None, 200
    if data is None:
        return _page(request, complaint, form, channels, preview, status)
    if not form.is_valid():
        messages.error(request, _("Nothing was sent: please correct the form."))
        return _page(request, complaint, form, channels, preview, 400)
    arguments = form.service_arguments()
    try:
        if "send" not in data:
            preview = services.preview(complaint, by=request.user, **arguments)
            template = arguments["template"]
            if template is not None and not arguments["body"]:
                # Show the template's own text in the form, ready to be edited.
                data["body"] = template.body
                data["subject"] = arguments["subject"] or template.subject
                form = ReplyForm(data, complaint=complaint, channels=channels)
                form.is_valid()
            return _page(request, complaint, form, channels, preview, status)
        services.send_reply(
            complaint,
            by=request.user,
            key=form.cleaned_data["key"],
            urgent=form.cleaned_data["urgent"],
            **arguments,
        )
    except ValidationError as exc:
        form.add_error(None, _error_text(exc))
        messages.error(request, _("Nothing was sent: %(reason)s") % {"reason": _error_text(exc)})
        return _page(request, complaint, form, channels, None, 400)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _page(request, complaint, form, channels, None, exc.status_code)
    messages.success(
        request, _("%(reference)s: your message is on its way.") % {"reference": reference}
    )
    return redirect(f"{complaint.get_absolute_url()}#messages")


def _page(request, complaint, form, channels, preview, status: int) -> HttpResponse:
    context = {
        "complaint": complaint,
        "form": form,
        "channels": channels,
        "preview": preview,
        "preview_channel": Channel(form.cleaned_data["channel"]).label if preview else "",
        "may_see_complainant": selectors.may_see_complainant(request.user, complaint),
    }
    return render(request, "correspondence/reply.html", context, status=status)


def _message_of(request: HttpRequest, reference: str, pk: int) -> tuple[Complaint, Message]:
    complaint = _writable_complaint(request.user, reference)
    return complaint, get_object_or_404(Message, complaint=complaint, pk=pk)


def _act(request: HttpRequest, reference: str, pk: int, action, done: str) -> HttpResponse:
    complaint, message = _message_of(request, reference, pk)
    try:
        action(message, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect(f"{complaint.get_absolute_url()}#messages")


@login_required
@require_POST
def retry(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """Send a failed message again."""
    return _act(request, reference, pk, services.retry, _("The message will be sent again."))


@login_required
@require_POST
def mark_posted(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    """The handler printed the letter and put it in the post."""
    return _act(request, reference, pk, services.mark_posted, _("The letter is marked as posted."))
