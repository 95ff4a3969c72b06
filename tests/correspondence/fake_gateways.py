"""Small local stand-ins for the SMS gateways' HTTP APIs (http.server on 127.0.0.1 in a thread).

Each checks the request the real API expects (Aliyun: the HMAC-SHA1 signature recomputed here
from Aliyun's documented algorithm, not with the code under test; Twilio: basic auth and the
form fields) and answers in the real API's shape.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALIYUN_KEY_ID = "LTAI-test-key"
ALIYUN_SECRET = "aliyun-test-secret"
TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TENCENT_ID = "AKIDtest0123456789"
TENCENT_KEY = "tencent-test-key"
TWILIO_TOKEN = "twilio-test-token"


def aliyun_reference_signature(params: dict[str, str], secret: str, method: str) -> str:
    """Aliyun's RPC signature written out from its documentation."""

    def encode(value: str) -> str:
        return (
            urllib.parse.quote(value, safe="")
            .replace("+", "%20")
            .replace("*", "%2A")
            .replace("%7E", "~")
        )

    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = method + "&" + encode("/") + "&" + encode(query)
    mac = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeGateway:
    """``answer`` (status, JSON-able or bytes) is what the next good request gets; ``delay``
    holds the answer back (timeouts). ``requests`` keeps every request's path, headers and
    form fields."""

    def __init__(self, check) -> None:
        self.check = check
        self.requests: list[dict] = []
        self.answer: tuple[int, object] = (200, {})
        self.delay = 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                request = {
                    "raw": raw,
                    "path": self.path,
                    "headers": dict(self.headers),
                    "form": dict(urllib.parse.parse_qsl(raw, keep_blank_values=True)),
                }
                gateway.requests.append(request)
                status, body = gateway.check(request) or gateway.answer
                if gateway.delay:
                    time.sleep(gateway.delay)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def aliyun_check(request: dict):
    """Refuse what Aliyun refuses: a wrong signature, a stale timestamp, missing parameters."""
    form = dict(request["form"])
    given = form.pop("Signature", "")
    if form.get("AccessKeyId") != ALIYUN_KEY_ID:
        return 404, {
            "Code": "InvalidAccessKeyId.NotFound",
            "Message": "Specified access key is not found.",
        }
    if given != aliyun_reference_signature(form, ALIYUN_SECRET, "POST"):
        return 400, {
            "Code": "SignatureDoesNotMatch",
            "Message": "Specified signature is not matched with our calculation.",
        }
    stamp = dt.datetime.strptime(form["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    if abs((dt.datetime.now(dt.UTC) - stamp).total_seconds()) > 900:
        return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "Specified time stamp expired."}
    expected = {
        "Action": "SendSms",
        "Version": "2017-05-25",
        "Format": "JSON",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
    }
    if any(form.get(k) != v for k, v in expected.items()) or not form.get("SignatureNonce"):
        return 400, {"Code": "MissingParameter", "Message": "A required parameter is missing."}
    for name in ("PhoneNumbers", "SignName", "TemplateCode"):
        if not form.get(name):
            return 400, {"Code": "MissingParameter", "Message": f"{name} is mandatory."}
    json.loads(form.get("TemplateParam") or "{}")
    return None


def twilio_check(request: dict):
    """Refuse what Twilio refuses: wrong credentials, a wrong account path, no To/Body."""
    expected_auth = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    if request["headers"].get("Authorization") != expected_auth:
        return 401, {"code": 20003, "message": "Authenticate", "status": 401}
    if request["path"] != f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
        return 404, {
            "code": 20404,
            "message": "The requested resource was not found",
            "status": 404,
        }
    form = request["form"]
    if not form.get("To") or not form.get("Body"):
        return 400, {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 400, {"code": 21603, "message": "A 'From' phone number is required.", "status": 400}
    return None


def tencent_reference_authorization(secret_id, secret_key, host, payload, timestamp, service="sms"):
    """TC3-HMAC-SHA256 written out from Tencent's documentation."""
    date = dt.datetime.fromtimestamp(timestamp, dt.UTC).date().isoformat()
    canonical = (
        f"POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:{host}\n\n"
        f"content-type;host\n{hashlib.sha256(payload.encode()).hexdigest()}"
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}"
    )


def tencent_error(code: str, message: str):
    return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r-1"}}


def tencent_check(request: dict):
    """Refuse what Tencent refuses: a wrong signature or action, a stale timestamp."""
    headers = {k.lower(): v for k, v in request["headers"].items()}
    if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
        return tencent_error("InvalidAction", "The action or version is wrong.")
    timestamp = int(headers.get("x-tc-timestamp") or 0)
    if abs(time.time() - timestamp) > 300:
        return tencent_error("AuthFailure.SignatureExpire", "Signature expired.")
    expected = tencent_reference_authorization(
        TENCENT_ID, TENCENT_KEY, headers.get("host", ""), request["raw"], timestamp
    )
    if headers.get("authorization") != expected:
        return tencent_error(
            "AuthFailure.SignatureFailure", "The provided credentials are invalid."
        )
    body = json.loads(request["raw"])
    for name in ("PhoneNumberSet", "SmsSdkAppId", "SignName", "TemplateId", "TemplateParamSet"):
        if not body.get(name):
            return tencent_error("MissingParameter", f"The request is missing {name}.")
    return None
