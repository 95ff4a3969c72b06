"""Tencent Cloud SMS (腾讯云短信), the SendSms action of its API 3.0 (version 2021-01-11).

As with Aliyun, mainland texts go only through an approved template and signature: register a
template whose one variable ({1}) carries the whole text (REDRESS_SMS_TENCENT_TEMPLATE_ID), and
the signature (REDRESS_SMS_SIGNATURE), which Tencent puts in front itself.

Requests are signed with TC3-HMAC-SHA256 as Tencent documents ("签名方法 v3"): a canonical
request over the JSON body, a string to sign under the date/service scope, and a key derived
from the secret by three HMACs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
import urllib.parse

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from correspondence.sms.base import BaseSmsBackend, SmsError
from correspondence.sms.http import post, scrub

SERVICE = "sms"
VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
# Worth a later retry: rate limits (per number per 30 s / hour / day too), Tencent's own faults.
TRANSIENT_PREFIXES = (
    "LimitExceeded",
    "RequestLimitExceeded",
    "InternalError",
    "ResourceUnavailable",
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    host: str,
    payload: str,
    timestamp: int,
    service: str = SERVICE,
) -> str:
    """The Authorization header of a POST of ``payload`` (signed headers: content-type;host)."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical_request.encode()).hexdigest(),
        ]
    )
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def is_permanent(code: str) -> bool:
    return not code.startswith(TRANSIENT_PREFIXES)


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        missing = [
            name
            for name in (
                "REDRESS_SMS_TENCENT_SECRET_ID",
                "REDRESS_SMS_TENCENT_SECRET_KEY",
                "REDRESS_SMS_TENCENT_APP_ID",
                "REDRESS_SMS_TENCENT_TEMPLATE_ID",
                "REDRESS_SMS_SIGNATURE",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(f"The Tencent SMS backend needs {', '.join(missing)}.")

    def send(self, to: str, text: str) -> str:
        endpoint = settings.REDRESS_SMS_TENCENT_ENDPOINT
        host = urllib.parse.urlsplit(endpoint).netloc
        payload = json.dumps(
            {
                "PhoneNumberSet": [to],
                "SmsSdkAppId": settings.REDRESS_SMS_TENCENT_APP_ID,
                "SignName": settings.REDRESS_SMS_SIGNATURE,
                "TemplateId": settings.REDRESS_SMS_TENCENT_TEMPLATE_ID,
                "TemplateParamSet": [text.removeprefix(f"【{settings.REDRESS_SMS_SIGNATURE}】")],
            },
            ensure_ascii=False,
        )
        timestamp = int(time.time())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": VERSION,
            "X-TC-Region": settings.REDRESS_SMS_TENCENT_REGION,
            "X-TC-Timestamp": str(timestamp),
            "Authorization": authorization(
                secret_id=settings.REDRESS_SMS_TENCENT_SECRET_ID,
                secret_key=settings.REDRESS_SMS_TENCENT_SECRET_KEY,
                host=host,
                payload=payload,
                timestamp=timestamp,
            ),
        }
        answer = post(endpoint, payload.encode(), headers=headers)
        response = answer.data.get("Response") if isinstance(answer.data, dict) else None
        if not isinstance(response, dict):
            raise SmsError(f"Tencent SMS answered HTTP {answer.status} without a result.")
        error = response.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code") or "")
            message = scrub(str(error.get("Message") or ""))
            raise SmsError(
                f"Tencent SMS refused the request: {code} {message}".strip(),
                permanent=is_permanent(code),
            )
        statuses = response.get("SendStatusSet") or [{}]
        status = statuses[0] if isinstance(statuses[0], dict) else {}
        code = str(status.get("Code") or "")
        if code == "Ok" and status.get("SerialNo"):
            return str(status["SerialNo"])[:100]
        message = scrub(str(status.get("Message") or ""))
        raise SmsError(
            f"Tencent SMS refused the message: {code} {message}".strip(),
            permanent=is_permanent(code) if code else False,
        )
