"""Authentication: token for integrations, session for logged-in staff, nothing anonymous."""

from __future__ import annotations

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from tests.api.conftest import error_of, url
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

EVERY_READ = [
    "/api/v1/complaints/",
    "/api/v1/complaints/C-2026-000001/",
    "/api/v1/complaints/C-2026-000001/history/",
    "/api/v1/complaints/C-2026-000001/notes/",
    "/api/v1/complaints/C-2026-000001/attachments/",
    "/api/v1/complaints/C-2026-000001/attachments/1/",
    "/api/v1/departments/",
    "/api/v1/categories/",
    "/api/schema/",
]
EVERY_WRITE = [
    "/api/v1/complaints/",
    "/api/v1/complaints/C-2026-000001/notes/",
    "/api/v1/complaints/C-2026-000001/attachments/",
    *[
        f"/api/v1/complaints/C-2026-000001/{slug}/"
        for slug in (
            "classify",
            "reject",
            "assign",
            "resolve",
            "follow-up",
            "reopen",
            "close",
            "withdraw",
            "escalate",
            "approve-remedy",
        )
    ],
]


def test_token_endpoint_returns_the_users_token_for_a_username_and_password(frontline):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "frontline", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert len(token) == 40

    again = APIClient().post(
        "/api/v1/auth/token/", {"username": "frontline", "password": PASSWORD}, format="json"
    )
    assert again.json()["token"] == token


def test_token_endpoint_accepts_a_form_post_as_curl_sends_it(frontline):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "frontline", "password": PASSWORD}
    )
    assert response.status_code == 200


def test_token_endpoint_refuses_a_wrong_password_with_400(frontline):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "frontline", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_token_endpoint_names_missing_fields(db):
    response = APIClient().post("/api/v1/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"username", "password"}


def test_a_token_authenticates_every_request(api, frontline, make_complaint):
    complaint = make_complaint()
    response = api(frontline).get(url(complaint.reference))
    assert response.status_code == 200
    assert response.json()["reference"] == complaint.reference


def test_a_session_login_authenticates_too(frontline, make_complaint):
    complaint = make_complaint()
    client = APIClient()
    client.force_login(frontline)
    assert client.get(url(complaint.reference)).status_code == 200


def test_a_session_write_needs_the_csrf_token(frontline, make_complaint):
    complaint = make_complaint()
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(frontline)
    response = client.post(url(complaint.reference, "notes"), {"body": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in error_of(response)["message"]


def test_a_wrong_token_is_401(make_complaint):
    complaint = make_complaint()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(url(complaint.reference))
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


@pytest.mark.parametrize("path", EVERY_READ)
def test_every_read_needs_authentication(path, db):
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    if path != "/api/schema/":
        assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.parametrize("path", EVERY_WRITE)
def test_every_write_needs_authentication(path, db):
    response = APIClient().post(path, {}, format="json")
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_the_docs_page_sends_anonymous_visitors_to_the_login_page(db):
    response = APIClient().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/api/docs/")


def test_after_too_many_failures_the_token_endpoint_says_the_account_is_locked_out(frontline):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    statuses = [
        client.post(
            "/api/v1/auth/token/", {"username": "frontline", "password": "nope"}, format="json"
        ).status_code
        for _attempt in range(settings.AXES_FAILURE_LIMIT)
    ]
    # The attempt that reaches the limit is already refused as a lock-out.
    assert statuses == [400] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    locked = client.post(
        "/api/v1/auth/token/", {"username": "frontline", "password": PASSWORD}, format="json"
    )
    assert locked.status_code == 429
    assert "Too many failed login attempts" in error_of(locked)["message"]
