"""Which channels reach a complainant: email, SMS, letter, from the complaint's contact details
and the SMS opt-outs; the automatic notices' order of preference."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint
from complaints.phones import sms_number
from complaints.selectors import mask, may_see_complainant
from correspondence.models import Channel
from correspondence.sms import policy

# The order of automatic notices when the complainant stated no usable preference.
FALLBACK_ORDER = [Channel.EMAIL, Channel.SMS, Channel.LETTER]
# The survey is a link: it goes where a link can be followed.
SURVEY_CHANNELS = {Channel.EMAIL, Channel.SMS}


def recipients(complaint: Complaint) -> dict[str, str]:
    """Every channel the complaint's contact details allow, before opt-outs."""
    found = {}
    if complaint.complainant_email:
        found[Channel.EMAIL.value] = complaint.complainant_email
    number = sms_number(complaint.complainant_phone)
    if number:
        found[Channel.SMS.value] = number
    address = (complaint.complainant_address or "").strip()
    if address:
        found[Channel.LETTER.value] = address
    return found


def channel_gaps(complaint: Complaint) -> dict[str, str]:
    """Each channel that cannot be used → why (the complaint page and the reply dialog say it)."""
    found = recipients(complaint)
    gaps = {}
    if Channel.EMAIL not in found:
        gaps[Channel.EMAIL.value] = str(_("No email address was given."))
    if Channel.SMS not in found:
        gaps[Channel.SMS.value] = str(
            _("No mobile number was given (a landline cannot receive text messages).")
            if complaint.complainant_phone
            else _("No phone number was given.")
        )
    elif policy.opted_out(found[Channel.SMS]):
        gaps[Channel.SMS.value] = str(_("The complainant asked for no more text messages."))
    if Channel.LETTER not in found:
        gaps[Channel.LETTER.value] = str(_("No postal address was given."))
    return gaps


def channels_for(complaint: Complaint, *, viewer=None) -> dict[str, str]:
    """Every usable channel → recipient, in the automatic order (email, SMS, letter).

    With ``viewer``, a recipient the viewer may not see (对信访人身份保密) is masked."""
    found = recipients(complaint)
    if Channel.SMS in found and policy.opted_out(found[Channel.SMS]):
        del found[Channel.SMS]
    if viewer is not None and not may_see_complainant(viewer, complaint):
        found = {channel: mask(recipient) for channel, recipient in found.items()}
    return {channel.value: found[channel] for channel in FALLBACK_ORDER if channel in found}


def best_channel(complaint: Complaint, *, allowed=None) -> tuple[str, str] | None:
    """(channel, recipient) for an automatic notice: the stated preference if it can be used,
    else email, else SMS, else a letter; None when there is no way to reach the complainant."""
    usable = channels_for(complaint)
    if allowed is not None:
        usable = {channel: r for channel, r in usable.items() if channel in allowed}
    preferred = complaint.preferred_channel
    if preferred and preferred in usable:
        return preferred, usable[preferred]
    for channel in FALLBACK_ORDER:
        if channel in usable:
            return channel.value, usable[channel]
    return None
