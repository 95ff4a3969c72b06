"""Failed logins lock out by three rules, each with its own limit (config/lockout.py, issue
"Trustworthy figures", point 8): one account from one address, one account from any address,
one address for any account. The login page and the API's token endpoint count together and
answer a lock-out the same way: 429 with a sentence saying what happened.

The limits are small here (3, 6, 9) so each rule is reached in a few requests; the defaults
(5, 20, 50) are checked against the README once.
"""

from __future__ import annotations

import datetime as dt
from itertools import count
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from config import settings as project_settings
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PAIR, ACCOUNT, ADDRESS = 3, 6, 9
OFFICE = "203.0.113.10"  # one NAT address in front of a whole office
HOME = "198.51.100.20"
LOCKED_PAGE = "Logins to this account, or from this address, are paused"
LOCKED_API = "Too many failed login attempts for this account or from this address"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.AXES_FAILURE_LIMIT = PAIR
    settings.REDRESS_LOCKOUT_ACCOUNT_LIMIT = ACCOUNT
    settings.REDRESS_LOCKOUT_ADDRESS_LIMIT = ADDRESS
    settings.REDRESS_CLIENT_IP_HEADER = ""
    return settings


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


_addresses = count(1)


def fresh_address() -> str:
    return f"192.0.2.{next(_addresses) % 250 + 1}"


def log_in(username: str, password: str, address: str, **headers):
    """A POST to the login page from ``address``: 302 on success, 200 with the form on a wrong
    password, 429 when locked out."""
    client = Client(REMOTE_ADDR=address)
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        headers={"Accept-Language": "en", **headers},
    )


def get_token(username: str, password: str, address: str):
    client = APIClient(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    return client.post(
        "/api/v1/auth/token/", {"username": username, "password": password}, format="json"
    )


def fail(username: str, address: str, times: int = 1) -> list[int]:
    return [log_in(username, "wrong", address).status_code for _ in range(times)]


# --- one account from one address ---------------------------------------------------------------


def test_an_account_is_locked_from_one_address_after_the_pair_limit(frontline):
    # The failure that reaches the limit is already answered as a lock-out.
    assert fail("frontline", OFFICE, PAIR) == [200] * (PAIR - 1) + [429]
    locked = log_in("frontline", PASSWORD, OFFICE)
    assert locked.status_code == 429
    assert LOCKED_PAGE in locked.content.decode()


def test_the_same_account_still_logs_in_from_another_address_below_the_account_limit(frontline):
    fail("frontline", OFFICE, PAIR)
    assert log_in("frontline", PASSWORD, HOME).status_code == 302


def test_colleagues_behind_the_same_address_are_not_locked_out_by_one_person(frontline, manager):
    fail("frontline", OFFICE, PAIR)
    assert log_in("manager", PASSWORD, OFFICE).status_code == 302


# --- one account from any address ---------------------------------------------------------------


def test_an_account_is_locked_everywhere_after_the_account_limit_across_addresses(frontline):
    # Fewer failures from each address than the pair limit, but many addresses.
    for _ in range(ACCOUNT - 1):
        assert fail("frontline", fresh_address()) == [200]
    assert log_in("frontline", PASSWORD, fresh_address()).status_code == 302  # one below
    assert fail("frontline", fresh_address()) == [429]  # the one that reaches it
    locked = log_in("frontline", PASSWORD, fresh_address())
    assert locked.status_code == 429
    assert LOCKED_PAGE in locked.content.decode()


def test_the_account_limit_does_not_touch_other_accounts(frontline, manager):
    for _ in range(ACCOUNT):
        fail("frontline", fresh_address())
    assert log_in("manager", PASSWORD, fresh_address()).status_code == 302


# --- one address for any account ----------------------------------------------------------------


def test_an_address_is_locked_for_every_account_after_the_address_limit(frontline, manager):
    # One guess at each of many accounts, real or not, from one address.
    statuses = [log_in(f"user{n}", "wrong", OFFICE).status_code for n in range(ADDRESS - 1)]
    assert statuses == [200] * (ADDRESS - 1)
    assert log_in("manager", PASSWORD, OFFICE).status_code == 302  # one below
    assert log_in("someone", "wrong", OFFICE).status_code == 429  # the one that reaches it
    locked = log_in("frontline", PASSWORD, OFFICE)
    assert locked.status_code == 429
    assert LOCKED_PAGE in locked.content.decode()
    # Another address is not affected.
    assert log_in("frontline", PASSWORD, HOME).status_code == 302


# --- the cool-off, the page, the client address -------------------------------------------------


def test_a_lock_out_ends_after_the_cool_off(frontline, settings, clock):
    fail("frontline", OFFICE, PAIR)
    assert log_in("frontline", PASSWORD, OFFICE).status_code == 429
    clock.shift(dt.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
    assert log_in("frontline", PASSWORD, OFFICE).status_code == 302


def test_the_lock_out_page_speaks_the_user_s_language(frontline):
    fail("frontline", OFFICE, PAIR)
    page = Client(REMOTE_ADDR=OFFICE).post(
        "/accounts/login/",
        {"username": "frontline", "password": PASSWORD},
        headers={"Accept-Language": "zh-hans"},
    )
    assert page.status_code == 429
    assert "登录失败次数过多" in page.content.decode()


def test_behind_a_proxy_the_configured_header_is_the_address(frontline, manager, settings):
    settings.REDRESS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    for _ in range(PAIR):
        log_in("frontline", "wrong", "10.0.0.1", **{"X-Real-IP": OFFICE})
    # The same proxy, another client: not locked out.
    assert log_in("frontline", PASSWORD, "10.0.0.1", **{"X-Real-IP": HOME}).status_code == 302
    assert log_in("frontline", PASSWORD, "10.0.0.1", **{"X-Real-IP": OFFICE}).status_code == 429


# --- the API's token endpoint -------------------------------------------------------------------


def test_the_token_endpoint_locks_the_pair_and_answers_429_with_a_message(frontline):
    statuses = [get_token("frontline", "wrong", OFFICE).status_code for _ in range(PAIR)]
    assert statuses == [400] * (PAIR - 1) + [429]
    locked = get_token("frontline", PASSWORD, OFFICE)
    assert locked.status_code == 429
    error = locked.json()["error"]
    assert error["code"] == "locked_out"
    assert error["message"].startswith(LOCKED_API)
    # The account still gets its token from another address.
    assert get_token("frontline", PASSWORD, HOME).status_code == 200


def test_the_token_endpoint_and_the_login_page_count_together(frontline):
    for _ in range(ACCOUNT // 2):
        get_token("frontline", "wrong", fresh_address())
        fail("frontline", fresh_address())
    assert get_token("frontline", PASSWORD, fresh_address()).status_code == 429
    assert log_in("frontline", PASSWORD, fresh_address()).status_code == 429


def test_the_token_endpoint_locks_an_address_across_accounts(frontline):
    for n in range(ADDRESS):
        get_token(f"user{n}", "wrong", OFFICE)
    assert get_token("frontline", PASSWORD, OFFICE).status_code == 429
    assert get_token("frontline", PASSWORD, HOME).status_code == 200


def test_the_default_limits_are_the_ones_the_readme_states():
    readme = (Path(project_settings.BASE_DIR) / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Security and hostile input")[1].split("\n## ")[0]
    for name, value in [
        ("AXES_FAILURE_LIMIT", 5),
        ("REDRESS_LOCKOUT_ACCOUNT_LIMIT", 20),
        ("REDRESS_LOCKOUT_ADDRESS_LIMIT", 50),
        ("AXES_COOLOFF_HOURS", 1),
    ]:
        assert f"`{name}` ({value})" in section, name
    assert (
        project_settings.AXES_FAILURE_LIMIT,
        project_settings.REDRESS_LOCKOUT_ACCOUNT_LIMIT,
        project_settings.REDRESS_LOCKOUT_ADDRESS_LIMIT,
        project_settings.AXES_COOLOFF_TIME,
    ) == (5, 20, 50, 1)
