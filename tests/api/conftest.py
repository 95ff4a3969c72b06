"""API clients for the personas of tests/conftest.py, authenticated the way integrations are:
with a token in the ``Authorization`` header."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """``api(user)`` → an APIClient sending that user's token; ``api()`` → anonymous."""

    def client_for(user=None) -> APIClient:
        # English, so tests can quote messages; one test checks the Chinese catalogue.
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            token, _created = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


def error_of(response) -> dict:
    """The one error body every refusal has; fails the test if the shape is different."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "fields"}, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


def url(reference: str = "", tail: str = "") -> str:
    if not reference:
        return "/api/v1/complaints/"
    return f"/api/v1/complaints/{reference}/" + (f"{tail}/" if tail else "")


class RowLock:
    """Holds ``SELECT ... FOR UPDATE`` on one row from another connection until released, so a
    test can line several requests up behind it and let them go at once: a real race on
    PostgreSQL, without touching the code under test."""

    def __init__(self, queryset) -> None:
        self.queryset = queryset
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        try:
            with transaction.atomic():
                list(self.queryset.select_for_update())
                self.locked.set()
                self.release.wait(timeout=30)
        finally:
            connection.close()

    def __enter__(self) -> RowLock:
        self.thread.start()
        assert self.locked.wait(timeout=10)
        return self

    def wait_for_waiters(self, count: int) -> None:
        """Block until ``count`` other sessions are queued on a lock."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0] >= count:
                    return
            time.sleep(0.02)
        raise AssertionError(f"{count} sessions never queued on the lock")

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.thread.join(timeout=30)


def run_together(*calls):
    """Run each call in its own thread (own database connection); return their results."""
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            results[index] = call()
        except Exception as exc:  # surfaced below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def join(threads, errors) -> None:
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
