"""Aliyun SMS (阿里云短信), the SendSms action of its RPC-style HTTP API (version 2017-05-25).

Mainland gateways send only templates the operator registered and had approved, with the
registered signature. So the whole text travels as one template variable: the operator
registers a template such as ``${content}`` (REDRESS_SMS_ALIYUN_TEMPLATE_CODE, variable name
REDRESS_SMS_ALIYUN_TEMPLATE_PARAM) and the signature (REDRESS_SMS_SIGNATURE). Aliyun puts the
【signature】 in front itself, so the text sent here carries none.

Requests are signed with HMAC-SHA1 as Aliyun documents for RPC APIs ("签名机制"): the sorted,
percent-encoded parameters, ``POST&%2F&<them encoded again>``, keyed with the secret and "&".
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from correspondence.sms.base import BaseSmsBackend, SmsError
from correspondence.sms.http import post_form, scrub

# Codes after which a retry cannot succeed: the number, the content, the template or the
# account is wrong. Throttling (isv.BUSINESS_LIMIT_CONTROL, Throttling.*) and system errors are
# worth a later retry.
PERMANENT_CODES = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.AMOUNT_NOT_ENOUGH",
    "isv.ACCOUNT_NOT_EXISTS",
    "isv.ACCOUNT_ABNORMAL",
    "isv.OUT_OF_SERVICE",
    "isv.PRODUCT_UN_SUBSCRIPT",
    "isv.PRODUCT_UNSUBSCRIBE",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.SMS_SIGN_ILLEGAL",
    "isv.SIGN_NAME_ILLEGAL",
    "isv.EXTEND_CODE_ERROR",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.DENY_IP_RANGE",
    "isp.RAM_PERMISSION_DENY",
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingParameter",
}
PERMANENT_PREFIXES = ("isv.SMS_TEMPLATE", "isv.TEMPLATE", "isv.SMS_CONTENT")


def percent_encode(value: str) -> str:
    # RFC 3986 unreserved characters stay, everything else is %XX (space as %20, not +).
    return urllib.parse.quote(str(value), safe="~")


def signature(params: dict[str, str], secret: str, *, method: str = "POST") -> str:
    canonical = "&".join(
        f"{percent_encode(key)}={percent_encode(params[key])}" for key in sorted(params)
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def aliyun_number(to: str) -> str:
    """Aliyun takes mainland numbers bare (13800138000) and others with their country code
    and no plus (85212345678)."""
    digits = to.lstrip("+")
    if to.startswith("+86") and len(digits) == 13:
        return digits[2:]
    return digits


def is_permanent(code: str) -> bool:
    return code in PERMANENT_CODES or code.startswith(PERMANENT_PREFIXES)


class SmsBackend(BaseSmsBackend):
    def __init__(self) -> None:
        missing = [
            name
            for name in (
                "REDRESS_SMS_ALIYUN_ACCESS_KEY_ID",
                "REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET",
                "REDRESS_SMS_ALIYUN_TEMPLATE_CODE",
                "REDRESS_SMS_SIGNATURE",
            )
            if not getattr(settings, name)
        ]
        if missing:
            raise ImproperlyConfigured(f"The Aliyun SMS backend needs {', '.join(missing)}.")

    def send(self, to: str, text: str) -> str:
        params = {
            "AccessKeyId": settings.REDRESS_SMS_ALIYUN_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": settings.REDRESS_SMS_ALIYUN_REGION,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
            "PhoneNumbers": aliyun_number(to),
            "SignName": settings.REDRESS_SMS_SIGNATURE,
            "TemplateCode": settings.REDRESS_SMS_ALIYUN_TEMPLATE_CODE,
            "TemplateParam": json.dumps(
                {settings.REDRESS_SMS_ALIYUN_TEMPLATE_PARAM: _without_signature(text)},
                ensure_ascii=False,
            ),
        }
        params["Signature"] = signature(params, settings.REDRESS_SMS_ALIYUN_ACCESS_KEY_SECRET)
        answer = post_form(settings.REDRESS_SMS_ALIYUN_ENDPOINT, params)
        data = answer.data if isinstance(answer.data, dict) else {}
        code = str(data.get("Code") or "")
        if answer.status == 200 and code == "OK" and data.get("BizId"):
            return str(data["BizId"])[:100]
        if not code:
            raise SmsError(
                f"Aliyun SMS answered HTTP {answer.status} without a result code.",
                permanent=False,
            )
        message = scrub(str(data.get("Message") or ""))
        raise SmsError(
            f"Aliyun SMS refused the message: {code} {message}".strip(),
            permanent=is_permanent(code),
        )


def _without_signature(text: str) -> str:
    """The gateway adds the registered signature itself; one composed in front would show
    twice."""
    signature_head = f"【{settings.REDRESS_SMS_SIGNATURE}】"
    return text.removeprefix(signature_head)
