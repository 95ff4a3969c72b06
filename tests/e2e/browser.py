"""Browser fixtures for end-to-end tests: Playwright for Python driving Debian's Chromium.

They are registered once for the whole suite by ``pytest_plugins`` in ``tests/conftest.py``:
importing them into several ``conftest.py`` files would make several session-scoped browsers,
and the second ``sync_playwright()`` refuses to start inside the first one's event loop.

Mark the browser tests with both markers, so the tier groups exist before any persona
fixture runs (see ``tier_groups``)::

    pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("tier_groups")]
 Every test that takes ``page`` runs against
pytest-django's ``live_server`` (a real HTTP server on the PostgreSQL test database, in
transactional mode, serving static files through ``django.contrib.staticfiles``).

Never run ``playwright install``: the browser is ``/usr/bin/chromium`` from Debian
(``apt-get install -y chromium fonts-wqy-microhei``; without the font Chinese renders as boxes).
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Playwright's sync API keeps an event loop running in the test thread; Django refuses ORM calls
# from such a thread unless told that this is deliberate. Set before any test touches the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("REDRESS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 15_000


def _make_static_root() -> None:
    # WhiteNoise warns when STATIC_ROOT does not exist (collectstatic never ran in a checkout);
    # the live server serves static files from the finders, so an empty folder is enough.
    from django.conf import settings

    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


_make_static_root()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run.

    Playwright's ``launch()`` gives the browser a fresh temporary profile (``--user-data-dir``)
    and deletes it on close; it refuses a ``--user-data-dir`` argument, so we do not pass one.
    Each test gets its own incognito-like context from the ``page`` fixture.
    """
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def tier_groups(transactional_db) -> None:
    """Make sure the tier groups (and their permissions) exist.

    They come from a data migration, and every transactional test (the live server needs one)
    ends by flushing all tables: the next transactional test would find no groups and
    ``services.set_staff_profile`` would fail. Content types and permissions are recreated by
    the flush's post_migrate signal; the groups are recreated here from the migration's table.
    """
    from django.contrib.auth.models import Group, Permission

    for app_label, module in (
        ("complaints", "complaints.migrations.0002_tier_groups"),
        ("improvement", "improvement.migrations.0002_tier_group_permissions"),
    ):
        for name, codenames in importlib.import_module(module).GROUPS.items():
            group, _created = Group.objects.get_or_create(name=name)
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


@pytest.fixture
def page(browser, live_server, tier_groups) -> Iterator:
    """A fresh browser context and page in English (Accept-Language: en-US) on the live server.

    ``page.goto("/complaints/")`` works: the context's base URL is the live server.
    """
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 1366, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    new_page = context.new_page()
    yield new_page
    context.close()


def _login(page, user, password: str | None = None) -> None:
    from tests.conftest import PASSWORD

    # A login replaces whoever was logged in: start from a clean cookie jar but keep the
    # language the test chose.
    language = [c for c in page.context.cookies() if c["name"] == "django_language"]
    page.context.clear_cookies()
    if language:
        page.context.add_cookies(language)
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password or PASSWORD)
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {user.get_username()} failed: still on {page.url}")


@pytest.fixture
def login() -> Callable:
    """``login(page, user)``: log in through the real form (django-axes sees a real request).

    Test-client tests use ``client.force_login(user)`` instead: axes refuses ``client.login``.
    """
    return _login


def switch_language(page, code: str) -> None:
    """Click the language switcher in the navigation bar (``"en"`` or ``"zh-hans"``)."""
    with page.expect_navigation():
        page.click(f"#language-switcher button[value='{code}']")


def _screenshot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = SCREENSHOT_DIR / f"{safe}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture
def screenshot() -> Callable:
    """``screenshot(page, name)`` saves ``test-artifacts/screenshots/<name>.png`` (gitignored)."""
    return _screenshot
