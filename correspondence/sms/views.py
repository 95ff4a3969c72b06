"""Where the gateways push to: delivery reports and the complainants' answers (opt-outs).

No user is logged in here, so each endpoint proves the caller is the gateway (Twilio's request
signature, a secret token in Aliyun's push URL), bounds what it reads, and answers garbage with
a 4xx: a gateway retries a 5xx for hours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from django.conf import settings
from django.core.cache import caches
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from correspondence.sms import receipts
from correspondence.sms.http import scrub
from correspondence.sms.twilio import request_signature

# A push of a few hundred reports is tens of kilobytes; Aliyun batches at most a few hundred.
MAX_BODY_BYTES = 256 * 1024
MAX_ITEMS = 1000

ALIYUN_OK = {"code": 0, "msg": "成功"}
TENCENT_OK = {"result": 0, "errmsg": "OK"}
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _client_ip(request) -> str:
    # As intake's public pages count clients (REDRESS_CLIENT_IP_HEADER behind a proxy).
    header = settings.REDRESS_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    if forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def _too_many(request) -> bool:
    """Count this push against the caller's address (fixed windows in the shared cache)."""
    window = settings.REDRESS_PUBLIC_RATE_WINDOW_SECONDS
    digest = hashlib.sha256(_client_ip(request).encode()).hexdigest()[:32]
    key = f"redress:rl:sms-callback:{digest}:{int(time.time()) // window}"
    cache = caches[settings.REDRESS_RATE_LIMIT_CACHE]
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.REDRESS_SMS_CALLBACK_LIMIT


def _too_big(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > MAX_BODY_BYTES


def _guard(request) -> HttpResponse | None:
    if _too_big(request):
        return HttpResponse("Request too large.", status=413, content_type="text/plain")
    if _too_many(request):
        return HttpResponse("Too many requests.", status=429, content_type="text/plain")
    return None


# --- Twilio -----------------------------------------------------------------------------------


def _twilio_verified(request) -> bool:
    token = settings.REDRESS_SMS_TWILIO_AUTH_TOKEN
    if not token:
        raise Http404  # Twilio is not the gateway here
    # Twilio signs the URL it called: the public address the StatusCallback named.
    url = settings.REDRESS_PUBLIC_BASE_URL + request.get_full_path()
    expected = request_signature(url, request.POST, token)
    given = request.headers.get("X-Twilio-Signature", "")
    return hmac.compare_digest(expected.encode(), given.encode())


@csrf_exempt
@require_POST
def twilio_status(request):
    """Twilio's StatusCallback: MessageSid and MessageStatus (queued … delivered/undelivered/
    failed). Only the final statuses change anything."""
    refused = _guard(request)
    if refused:
        return refused
    if not _twilio_verified(request):
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    sid = request.POST.get("MessageSid", "") or request.POST.get("SmsSid", "")
    status = request.POST.get("MessageStatus", "") or request.POST.get("SmsStatus", "")
    if not sid or not status or len(sid) > 100:
        return HttpResponse("MessageSid and MessageStatus are required.", status=400)
    if status == "delivered":
        receipts.record(sid, True)
    elif status in ("undelivered", "failed"):
        code = request.POST.get("ErrorCode", "")[:20]
        error = f"Twilio: {status}" + (f" (error {code})" if code else "")
        receipts.record(sid, False, scrub(error))
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def twilio_inbound(request):
    """A text from a complainant to our Twilio number; an opt-out word records the opt-out."""
    refused = _guard(request)
    if refused:
        return refused
    if not _twilio_verified(request):
        return HttpResponse("Invalid signature.", status=403, content_type="text/plain")
    sender = request.POST.get("From", "")
    if not sender:
        return HttpResponse("From is required.", status=400)
    if receipts.is_opt_out(request.POST.get("Body", "")):
        receipts.opt_out(sender, source="twilio")
    return HttpResponse(TWIML_EMPTY, content_type="text/xml")


# --- Aliyun -----------------------------------------------------------------------------------


def _pushed_items(request, token: str) -> list[dict] | HttpResponse:
    """The pushed JSON array (Aliyun and Tencent push alike), once the token and the size are
    right."""
    expected = settings.REDRESS_SMS_CALLBACK_TOKEN
    if not expected:
        raise Http404
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return JsonResponse({"code": 1, "msg": "forbidden"}, status=403)
    refused = _guard(request)
    if refused:
        return refused
    try:
        items = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"code": 1, "msg": "not JSON"}, status=400)
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        return JsonResponse({"code": 1, "msg": "expected a JSON array"}, status=400)
    if not all(isinstance(item, dict) for item in items):
        return JsonResponse({"code": 1, "msg": "expected objects"}, status=400)
    return items


def _truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


@csrf_exempt
@require_POST
def aliyun_report(request, token: str):
    """Aliyun's SmsReport push: ``[{"biz_id", "success", "err_code", "err_msg", ...}]``."""
    items = _pushed_items(request, token)
    if isinstance(items, HttpResponse):
        return items
    for item in items:
        biz_id = str(item.get("biz_id") or "")[:100]
        if not biz_id:
            continue
        if _truthy(item.get("success")):
            receipts.record(biz_id, True)
        else:
            reason = " ".join(
                str(item.get(key) or "") for key in ("err_code", "err_msg") if item.get(key)
            )
            receipts.record(biz_id, False, scrub(f"Aliyun: {reason or 'undelivered'}"))
    return JsonResponse(ALIYUN_OK, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def aliyun_reply(request, token: str):
    """Aliyun's SmsUp push (a complainant's answer): ``[{"phone_number", "content", ...}]``."""
    items = _pushed_items(request, token)
    if isinstance(items, HttpResponse):
        return items
    for item in items:
        if receipts.is_opt_out(str(item.get("content") or "")):
            receipts.opt_out(str(item.get("phone_number") or ""), source="aliyun")
    return JsonResponse(ALIYUN_OK, json_dumps_params={"ensure_ascii": False})


# --- Tencent ----------------------------------------------------------------------------------


@csrf_exempt
@require_POST
def tencent_report(request, token: str):
    """Tencent's delivery-status push: ``[{"sid", "report_status": "SUCCESS"|"FAIL",
    "errmsg", "description", ...}]``."""
    items = _pushed_items(request, token)
    if isinstance(items, HttpResponse):
        return items
    for item in items:
        sid = str(item.get("sid") or "")[:100]
        if not sid:
            continue
        if str(item.get("report_status") or "").upper() == "SUCCESS":
            receipts.record(sid, True)
        else:
            reason = " ".join(
                str(item.get(key) or "") for key in ("errmsg", "description") if item.get(key)
            )
            receipts.record(sid, False, scrub(f"Tencent: {reason or 'undelivered'}"))
    return JsonResponse(TENCENT_OK)


@csrf_exempt
@require_POST
def tencent_reply(request, token: str):
    """Tencent's reply push (a complainant's answer): ``{"nationcode", "mobile", "text"}``."""
    items = _pushed_items(request, token)
    if isinstance(items, HttpResponse):
        return items
    for item in items:
        if receipts.is_opt_out(str(item.get("text") or "")):
            phone = f"{item.get('nationcode') or ''}{item.get('mobile') or ''}"
            receipts.opt_out(phone, source="tencent")
    return JsonResponse(TENCENT_OK)
