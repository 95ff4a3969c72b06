"""The top bar on a desktop: for each role, in English and Chinese, at 1440 px (a common desktop)
and 1200 px (the narrowest width at which the bar is not folded behind its toggler), every
top-level link keeps one line, the bar keeps one row and nothing sticks out past the right
edge, with the widest realistic content: the demo's full names, and every queue badge at its
cap ("99+")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import State
from escalation import services as escalation
from tests.e2e.browser import TIMEOUT_MS, _login, _screenshot

pytestmark = pytest.mark.e2e

LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}
WIDTHS = (1440, 1200)
# The widest a queue badge gets (complaints.queues.count_label): written into the page, since
# seeding a hundred complaints per queue would only slow the test down.
CAPPED_BADGES = (
    "() => document.querySelectorAll('.queue-badge').forEach((b) => b.textContent = '99+')"
)
# The demo's names (seed_demo), so the user's name beside the menu is as wide as on the demo.
NAMES = {
    "frontline": ("Wang", "Fang"),
    "manager": ("Zhang", "Wei"),
    "gm": ("Liu", "Yang"),
    "auditor": ("Chen", "Jing"),
}

# Each top-level item of the bar that is taller than one line of its own text, and the
# bar's items that sit below the first one's row (the bar broke into two rows).
WRAPPED_NAV = r"""() => {
  const nav = document.querySelector("nav.navbar");
  const links = [...nav.querySelectorAll(
    ".navbar-nav > .nav-item > .nav-link, .navbar-brand, #current-user, #logout, " +
    "#language-switcher button")].filter((e) => e.offsetParent);
  const tall = links.filter((e) => {
    const style = getComputedStyle(e);
    const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
    const inner = e.getBoundingClientRect().height - parseFloat(style.paddingTop)
      - parseFloat(style.paddingBottom) - parseFloat(style.borderTopWidth)
      - parseFloat(style.borderBottomWidth);
    return inner > line * 1.5;
  }).map((e) => e.innerText.trim().replace(/\s+/g, " "));
  const brand = nav.querySelector(".navbar-brand").getBoundingClientRect();
  const middle = brand.top + brand.height / 2;
  const below = links.filter((e) => e.getBoundingClientRect().top > middle)
    .map((e) => e.innerText.trim().replace(/\s+/g, " "));
  const edge = document.documentElement.clientWidth;
  const outside = links.filter((e) => e.getBoundingClientRect().right > edge + 1)
    .map((e) => e.innerText.trim().replace(/\s+/g, " "));
  const toggler = nav.querySelector(".navbar-toggler");
  const menu = nav.querySelector(".navbar-nav").getBoundingClientRect();
  const next = nav.querySelector(".navbar-nav").nextElementSibling.getBoundingClientRect();
  return {tall, below, outside, collapsed: !!(toggler && toggler.offsetParent),
          spare: Math.round(next.left - menu.right)};
}"""


@pytest.fixture
def busy_day(make_complaint, frontline, manager):
    """Enough for every queue badge to show a count: an overdue complaint with a pause waiting
    for approval, one waiting for a handler, one resolved awaiting its follow-up."""
    handled = make_complaint(State.ASSIGNED, complainant_name="张伟")
    services.set_deadlines(
        handled, by=None, action="sla", reason="", next_due_at=timezone.now() - timedelta(hours=3)
    )
    escalation.request_pause(
        handled,
        by=frontline,
        reason_code="waiting_complainant",
        until=timezone.now() + timedelta(days=10),
        note="Waiting for the receipt",
    )
    make_complaint(State.CLASSIFIED, complainant_name="Li Na")
    make_complaint(State.RESOLVED, complainant_name="王芳")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["frontline", "manager", "gm", "auditor"])
def test_the_top_bar_keeps_one_line_per_link_at_1440_px(
    browser, live_server, request, role, language, busy_day
):
    user = request.getfixturevalue(role)
    user.first_name, user.last_name = NAMES[role]
    user.save(update_fields=["first_name", "last_name"])
    context = browser.new_context(
        base_url=live_server.url,
        locale=LANGUAGES[language],
        viewport={"width": 1440, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    try:
        _login(page, user)
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for address in ("/", "/complaints/"):
                page.goto(address)
                name = f"header-{role}-{language}-{width}{address.replace('/', '-')}"
                _screenshot(page, name.rstrip("-"), full_page=False)
                page.evaluate(CAPPED_BADGES)
                found = page.evaluate(WRAPPED_NAV)
                where = f"{width}px {address}"
                if found["collapsed"]:
                    problems.append(f"{where}: the menu is folded behind the toggler")
                if found["tall"]:
                    problems.append(f"{where}: labels on two lines: {found['tall']}")
                if found["outside"]:
                    problems.append(f"{where}: past the right edge: {found['outside']}")
                if found["below"]:
                    problems.append(f"{where}: the bar has a second row: {found['below']}")
        assert not problems, f"{role} {language}: " + "; ".join(problems)
    finally:
        context.close()


def test_the_general_managers_oversight_links_are_under_their_name(page, login, gm, busy_day):
    gm.first_name, gm.last_name = NAMES["gm"]
    gm.save(update_fields=["first_name", "last_name"])
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, gm)
    assert page.locator("[data-nav=admin]").is_hidden()
    page.click("#current-user")
    page.click("[data-nav=audit]")
    page.wait_for_url("**/audit/")
    assert "active" in page.locator("#current-user").get_attribute("class")
    page.click("#current-user")
    with page.expect_navigation():
        page.click("[data-nav=admin]")
    assert "/admin/" in page.url
