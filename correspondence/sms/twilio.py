"""Twilio, through its REST API: POST /2010-04-01/Accounts/<sid>/Messages.json with basic auth.

Delivery reports come back to the StatusCallback URL sent with each message
(``correspondence:sms-twilio-status`` under REDRESS_PUBLIC_BASE_URL), signed with the auth
token (X-Twilio-Signature), which ``correspondence.sms.views`` checks.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from correspondence.sms.base import BaseSmsBackend, SmsError
from correspondence.sms.http import post_form, scrub

# Twilio error codes a retry cannot fix: the number is invalid, not a mobile, unsubscribed
# (the recipient sent STOP), blocked, or the account may not send there.
PERMANENT_CODES = {
    21211,
    21212,
    21214,
    21217,
    21401,
    21408,
    21421,
    21602,
    21604,
    21606,
    21608,
    21610,
    21612,
    21614,
    21617,
    21659,
    20003,
    20404,
    30003,
    30004,
    30005,
    30006,
    30007,
}


def status_callback_url() -> str:
    return settings.REDRESS_PUBLIC_BASE_URL + reverse("correspondence:sms-twilio-status")


def request_signature(url: str, params, token: str) -> str:
    """Twilio's X-Twilio-Signature: the full URL, then each POST parameter's name and value in
    name order, HMAC-SHA1 with the auth token, base64. ``params``: a dict or a QueryDict."""
    getlist = getattr(params, "getlist", lambda key: [params[key]])
    payload = url + "".join(f"{key}{value}" for key in sorted(params) for value in getlist(key))
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        if not (settings.REDRESS_SMS_TWILIO_ACCOUNT_SID and settings.REDRESS_SMS_TWILIO_AUTH_TOKEN):
            raise ImproperlyConfigured(
                "The Twilio SMS backend needs REDRESS_SMS_TWILIO_ACCOUNT_SID and "
                "REDRESS_SMS_TWILIO_AUTH_TOKEN."
            )
        if not (
            settings.REDRESS_SMS_TWILIO_FROM or settings.REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID
        ):
            raise ImproperlyConfigured(
                "The Twilio SMS backend needs REDRESS_SMS_TWILIO_FROM or "
                "REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID."
            )

    def send(self, to: str, text: str) -> str:
        sid = settings.REDRESS_SMS_TWILIO_ACCOUNT_SID
        url = (
            f"{settings.REDRESS_SMS_TWILIO_ENDPOINT.rstrip('/')}/2010-04-01/Accounts/"
            f"{urllib.parse.quote(sid, safe='')}/Messages.json"
        )
        fields = {"To": to, "Body": text, "StatusCallback": status_callback_url()}
        if settings.REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID:
            fields["MessagingServiceSid"] = settings.REDRESS_SMS_TWILIO_MESSAGING_SERVICE_SID
        else:
            fields["From"] = settings.REDRESS_SMS_TWILIO_FROM
        credentials = base64.b64encode(
            f"{sid}:{settings.REDRESS_SMS_TWILIO_AUTH_TOKEN}".encode()
        ).decode()
        answer = post_form(url, fields, headers={"Authorization": f"Basic {credentials}"})
        data = answer.data if isinstance(answer.data, dict) else {}
        if answer.status in (200, 201) and data.get("sid"):
            return str(data["sid"])[:100]
        code = data.get("code")
        message = scrub(str(data.get("message") or ""))
        detail = f"Twilio answered HTTP {answer.status}" + (f", error {code}" if code else "")
        if message:
            detail += f": {message}"
        # 429 and 5xx: Twilio is busy or down. Other 4xx: the request itself is wrong.
        transient = answer.status == 429 or answer.status >= 500
        permanent = not transient and (code in PERMANENT_CODES or 400 <= answer.status < 500)
        raise SmsError(detail, permanent=permanent)
