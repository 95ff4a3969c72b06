from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from complaints import selectors, services
from intake.forms import StaffRegistrationForm


@login_required
def register(request):
    """Staff intake (登记): frontline and up register a complaint received in person."""
    if not selectors.may_write(request.user):
        raise PermissionDenied
    form = StaffRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "channel"}
        complaint = services.register(by=request.user, channel=form.cleaned_data["channel"], **data)
        messages.success(
            request, _("Complaint %(reference)s registered.") % {"reference": complaint.reference}
        )
        return redirect(complaint.get_absolute_url())
    return render(request, "intake/register.html", {"form": form})
