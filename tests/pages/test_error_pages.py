"""The error pages: in the visitor's language, inside the layout, with a way back, and the
public variant showing nothing of the staff workspace."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("production_errors")


@pytest.fixture
def production_errors(settings):
    settings.DEBUG = False


def browser(language: str, user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("language", "heading", "back"),
    [("en", "Page not found", "Back to your dashboard"), ("zh-hans", "页面不存在", "返回工作台")],
)
def test_staff_who_follow_a_dead_link_get_a_404_in_their_language_with_the_way_home(
    frontline, language, heading, back
):
    response = browser(language, frontline).get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page and back in page
    assert f'href="{reverse("complaints:dashboard")}"' in page
    assert 'id="current-user"' in page  # inside the staff layout


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Page not found"), ("zh-hans", "页面不存在")]
)
def test_a_complainant_on_a_dead_tracking_link_sees_a_public_page_without_staff_data(
    frontline, language, heading
):
    """Even a logged-in staff member sees the public variant under /track/."""
    response = browser(language, frontline).get("/track/C-2026-999999/nothing/")
    page = response.content.decode()
    assert response.status_code == 404
    assert heading in page
    assert 'id="public-header"' in page
    assert 'id="current-user"' not in page and "frontline" not in page
    assert reverse("intake:submit") in page


def test_an_anonymous_visitor_gets_the_public_variant_pointing_to_the_complaint_form(db):
    response = browser("en").get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'id="public-header"' in page and "Go to the complaint form" in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "You may not do this"), ("zh-hans", "您无权执行此操作")]
)
def test_a_forbidden_action_answers_403_in_the_layout(auditor, make_complaint, language, heading):
    """Auditors can change nothing: their attempt to add a note answers with the 403 page."""
    complaint = make_complaint()
    response = browser(language, auditor).post(
        reverse("complaints:add_note", args=[complaint.reference]), {"text": "x"}
    )
    page = response.content.decode()
    assert response.status_code == 403
    assert heading in page
    assert 'id="way-back"' in page


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Too many requests"), ("zh-hans", "请求过于频繁")]
)
def test_the_public_form_limit_answers_with_the_429_page(db, settings, language, heading):
    settings.REDRESS_PUBLIC_SUBMIT_LIMIT = 0
    response = browser(language).post(reverse("intake:submit"), {"description": "x"})
    page = response.content.decode()
    assert response.status_code == 429
    assert heading in page and 'id="public-header"' in page


@pytest.mark.parametrize(
    ("language", "heading", "explanation"),
    [
        ("en", "Something went wrong", "Try again in a few minutes"),
        ("zh-hans", "出错了", "请过几分钟再试"),
    ],
)
def test_the_500_page_renders_in_the_visitors_language_when_the_database_is_unreachable(
    language, heading, explanation
):
    """No ``db`` fixture: every query fails, so the session lookup of the staff page raises
    before any view runs, the way an unreachable database does."""
    client = browser(language)
    client.cookies["sessionid"] = "a-session-the-database-would-hold"
    response = client.get(reverse("complaints:dashboard"))
    page = response.content.decode()
    assert response.status_code == 500
    assert heading in page and explanation in page
    assert f'<html lang="{language}">' in page
    assert "bootstrap.min.css" in page  # it still looks like the site


def test_the_language_cookie_wins_over_the_browser_on_the_500_page(settings):
    client = browser("zh-hans")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.cookies["sessionid"] = "a-session-the-database-would-hold"
    response = client.get(reverse("complaints:dashboard"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_the_api_answers_a_server_error_in_its_json_shape(settings):
    client = browser("zh-hans")
    client.cookies["sessionid"] = "a-session-the-database-would-hold"
    response = client.get("/api/v1/complaints/")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert "服务器" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "Too many failed logins"), ("zh-hans", "登录失败次数过多")]
)
def test_a_login_lock_out_is_the_429_page_in_the_public_layout(
    frontline, settings, language, heading
):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="192.0.2.77", HTTP_ACCEPT_LANGUAGE=language)
    for _attempt in range(2):
        response = client.post("/accounts/login/", {"username": "frontline", "password": "no"})
    page = response.content.decode()
    assert response.status_code == 429
    assert heading in page and 'id="public-header"' in page
    assert f'href="{reverse("login")}"' in page
