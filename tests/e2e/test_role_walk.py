"""A day in each role, walked in a real browser: every main page of frontline staff, a
department manager, the general manager and an auditor, in English and Chinese, at desktop
(1440 px) and phone (390 px) widths.

On every page the walk saves a screenshot
(``test-artifacts/screenshots/<role>-<language>-<width>-<page>.png``) and checks what a user
would notice first: the page answers with the status it should, nothing scrolls sideways on a
phone, no short button label breaks over several lines (Chinese squeezed one character per
line), the console stays free of errors (Content-Security-Policy refusals included), and
axe-core finds no serious or critical accessibility violation. Every problem of a role's walk
is gathered and reported at once, so one run lists all of them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import State
from escalation import services as escalation
from tests.e2e.axe import blocking, describe, violations_by_impact
from tests.e2e.browser import TIMEOUT_MS, _login, _screenshot

pytestmark = pytest.mark.e2e

WIDTHS = {1440: {"width": 1440, "height": 900}, 390: {"width": 390, "height": 844}}
LANGUAGES = {"en": "en-US", "zh-hans": "zh-CN"}


# The outermost elements that stick out past the right edge: where to look when a page scrolls
# sideways (their descendants stick out too and would only repeat them).
WIDEST_ELEMENTS = """() => {
  const edge = document.documentElement.clientWidth;
  const clipped = (e) => {
    for (let up = e.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  const out = [...document.body.querySelectorAll("*")].filter(
    (e) => e.getBoundingClientRect().right > edge + 1 && !clipped(e));
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className.trim()
      ? "." + e.className.trim().split(/\\s+/).join(".") : "");
  return out.filter((e) => !out.includes(e.parentElement)).slice(0, 5).map(
    (e) => name(e) + " (" + Math.round(e.getBoundingClientRect().right) + " px)");
}"""


# Visible buttons with a short label (a word, or two to four Chinese characters) whose text runs
# over more than one line: the "one character per line" squeeze of a narrow flex row.
WRAPPED_SHORT_BUTTONS = """() => [...document.querySelectorAll(".btn, button")].filter((b) => {
  const text = b.innerText.trim();
  if (!b.offsetParent || !text || text.length > 8) return false;
  const style = getComputedStyle(b);
  const line = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.5;
  const inner = b.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return inner > line * 1.5;
}).map((b) => b.innerText.trim().replace(/\\s+/g, " "))"""


def pages_of(role: str, handled, unassigned) -> dict[str, tuple[str, int]]:
    """The pages of a role's day: ``{name: (address, expected status)}``."""
    today = timezone.localdate()
    monthly = f"/reports/monthly/{today.year}/{today.month:02d}/"
    common = {
        "dashboard": ("/", 200),
        "list": ("/complaints/", 200),
    }
    own = {
        "frontline": {
            "queue": ("/complaints/?queue=mine", 200),
            "complaint": (f"/complaints/{handled.reference}/", 200),
            "register": ("/complaints/new/", 200),
            "reply": (f"/complaints/{handled.reference}/write/", 200),
        },
        "manager": {
            "queue": ("/complaints/?queue=unassigned", 200),
            "complaint": (f"/complaints/{unassigned.reference}/", 200),
            "register": ("/complaints/new/", 200),
            "due-soon": ("/escalation/due-soon/", 200),
            "requests": ("/escalation/requests/", 200),
        },
        "gm": {
            "queue": ("/complaints/?queue=overdue", 200),
            "complaint": (f"/complaints/{handled.reference}/", 200),
            "register": ("/complaints/new/", 200),
            "due-soon": ("/escalation/due-soon/", 200),
            "requests": ("/escalation/requests/", 200),
            "monthly": (monthly, 200),
            "audit": ("/audit/", 200),
        },
        "auditor": {
            "complaint": (f"/complaints/{handled.reference}/", 200),
            "monthly": (monthly, 200),
            "audit": ("/audit/", 200),
        },
    }[role]
    return {**common, **own, "404": ("/no/such/page/", 404)}


@pytest.fixture
def walk_data(make_complaint, manager, frontline):
    """A handful of complaints: one handled by frontline, overdue, with a note, a pause and a
    remedy waiting for approval; one waiting for a handler; one resolved (so the timelines,
    queues, requests and report have rows)."""
    handled = make_complaint(State.ASSIGNED, complainant_name="张伟")
    services.set_deadlines(
        handled, by=None, action="sla", reason="", next_due_at=timezone.now() - timedelta(hours=3)
    )
    services.add_note(handled, by=frontline, body="Called the complainant, no answer")
    # Ten days is past the approval threshold: the pause waits on the managers' requests page,
    # so that page shows its decision form (and axe checks it) rather than "None".
    escalation.request_pause(
        handled,
        by=frontline,
        reason_code="waiting_complainant",
        until=timezone.now() + timedelta(days=10),
        note="Waiting for the receipt",
    )
    # A refund beyond the frontline limit: the remedy request waits in the manager's approvals
    # queue and on the requests page, whose remedy section (and its refuse form) axe checks.
    escalation.request_remedy_approval(
        handled, by=frontline, amount=Decimal("500"), justification="Refund of the double charge"
    )
    unassigned = make_complaint(State.CLASSIFIED, complainant_name="Li Na")
    make_complaint(State.RESOLVED, complainant_name="王芳")
    return handled, unassigned


class Visit:
    """Console errors and page errors seen since the last ``goto``."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} @ {message.location.get('url', '')}")

    def reset(self) -> None:
        self.errors = []


def _is_the_pages_own_status(error: str, address: str, expected_status: int) -> bool:
    # Chromium logs "Failed to load resource: ... 404" for the document itself when it answers
    # 404: that is the page being a 404 page, not an error on it.
    return (
        expected_status != 200
        and f"status of {expected_status}" in error
        and error.rstrip("/").endswith(address.rstrip("/"))
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ["frontline", "manager", "gm", "auditor"])
def test_a_day_in_the_role_has_no_overflow_console_error_or_serious_accessibility_violation(
    browser, live_server, request, role, language, walk_data
):
    user = request.getfixturevalue(role)
    handled, unassigned = walk_data
    context = browser.new_context(
        base_url=live_server.url, locale=LANGUAGES[language], viewport=WIDTHS[1440]
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    visit = Visit(page)
    problems: list[str] = []
    try:
        _login(page, user)
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            for name, (address, status) in pages_of(role, handled, unassigned).items():
                where = f"{role} {language} {width}px {name} ({address})"
                visit.reset()
                answer = page.goto(address)
                page.wait_for_load_state("load")
                if answer.status != status:
                    problems.append(f"{where}: status {answer.status}, expected {status}")
                _screenshot(page, f"{role}-{language}-{width}-{name}")
                title = page.title()
                if not title.strip() or "<" in title or "{%" in title:
                    problems.append(f"{where}: the window title is not plain text: {title!r}")
                if width == 390:
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    if scroll_width > 390:
                        problems.append(
                            f"{where}: scrolls sideways ({scroll_width} px wide):"
                            f" {page.evaluate(WIDEST_ELEMENTS)}"
                        )
                wrapped = page.evaluate(WRAPPED_SHORT_BUTTONS)
                if wrapped:
                    problems.append(f"{where}: short button labels wrap: {wrapped}")
                errors = [
                    e for e in visit.errors if not _is_the_pages_own_status(e, address, status)
                ]
                if errors:
                    problems.append(f"{where}: console errors: {errors}")
                serious = blocking(violations_by_impact(page))
                if serious:
                    problems.append(f"{where}: axe: {describe(serious)}")
    finally:
        context.close()
    assert not problems, "\n" + "\n".join(problems)
