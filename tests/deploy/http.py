"""A small HTTP client for the load the deployment tests send to gunicorn on 127.0.0.1: the
REST API with a token, and the public form with its session and CSRF cookie, like a browser."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

REFERENCE = re.compile(r"[A-Z]+-\d{4}-\d{6}")


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self):
        return json.loads(self.body)


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base
        self.token = token

    def post(self, path: str, payload: dict, *, headers: dict | None = None) -> Answer:
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"{self.base}{path}",
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Authorization": f"Token {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        return _send(urllib.request.build_opener(), request)

    def get(self, path: str) -> Answer:
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"{self.base}{path}",
            headers={"Authorization": f"Token {self.token}", "Accept": "application/json"},
        )
        return _send(urllib.request.build_opener(), request)


class Browser:
    """One visitor: a cookie jar, following redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> Answer:
        request = urllib.request.Request(f"{self.base}{path}")  # noqa: S310 - 127.0.0.1 only
        return _send(self.opener, request)

    def post_form(self, path: str, fields: dict[str, str]) -> Answer:
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
            f"{self.base}{path}",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={"Referer": f"{self.base}{path}"},
        )
        return _send(self.opener, request)


def hidden_inputs(html: bytes) -> dict[str, str]:
    """name → value of the form's hidden inputs (csrfmiddlewaretoken, submission_token)."""
    found = {}
    for tag in re.findall(rb"<input[^>]+>", html):
        if b'type="hidden"' not in tag:
            continue
        name = re.search(rb'name="([^"]+)"', tag)
        value = re.search(rb'value="([^"]*)"', tag)
        if name:
            found[name.group(1).decode()] = value.group(1).decode() if value else ""
    return found


def _send(opener, request) -> Answer:
    try:
        with opener.open(request, timeout=60) as response:
            return Answer(response.status, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read())
