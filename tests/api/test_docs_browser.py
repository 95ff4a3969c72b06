"""The interactive API documentation in a real browser: Swagger UI renders from local files
under the site's Content-Security-Policy and can call the API with the session."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _tier_groups_before_personas(request):
    request.getfixturevalue("tier_groups")


def test_swagger_ui_renders_every_operation_without_csp_errors_or_outside_requests(
    page, login, manager, screenshot, live_server
):
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    login(page, manager)
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")
    assert "Redress API" in page.inner_text(".swagger-ui .info .title")
    page.wait_for_selector("#operations-lifecycle-complaints_classify")
    operations = page.locator(".opblock").count()
    assert operations >= 22
    screenshot(page, "api-docs")

    # "Try it out" on the list: the page calls the API with the session cookie.
    page.click("#operations-complaints-complaints_list .opblock-summary")
    page.click("#operations-complaints-complaints_list .try-out__btn")
    page.click("#operations-complaints-complaints_list .execute")
    page.wait_for_selector("#operations-complaints-complaints_list .live-responses-table")
    status = page.inner_text(
        "#operations-complaints-complaints_list .live-responses-table tbody .response-col_status"
    )
    assert "200" in status

    # (Chromium's own /favicon.ico probe may log a 404; only policy violations matter here.)
    assert not [p for p in problems if "Content Security Policy" in p], problems
    assert outside == []
