"""Corrective actions in a real browser: a manager opens one action for five complaints from the
one-step create link, the owner completes it with evidence, another manager verifies it, and the
complaint page then shows the verified action."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from complaints.models import RootCause, State
from improvement.models import ActionState, CorrectiveAction
from improvement.selectors import create_link
from tests.conftest import _staff

pytestmark = pytest.mark.e2e


def test_open_complete_and_verify_an_action_for_five_complaints(
    page, login, screenshot, manager, frontline, dept_a, make_complaint
):
    parent = RootCause.objects.create(code="process", name="Process")
    cause = RootCause.objects.create(code="missing-step", name="Missing step", parent=parent)
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(5)]
    second_manager = _staff("deputy", "manager", dept_a)

    login(page, manager)
    page.goto(create_link(cause.code, [c.reference for c in complaints]))
    for complaint in complaints:
        assert complaint.reference in page.locator("textarea[name=complaints]").input_value()
    page.fill("input[name=title]", "Add the confirmation step to the script")
    page.select_option("select[name=owner]", str(frontline.pk))
    page.fill("input[name=due_on]", "2027-03-31")
    with page.expect_navigation():
        page.click("#action-form button[type=submit]")
    action = CorrectiveAction.objects.get()
    expect(page.locator("#action-complaints li[data-reference]")).to_have_count(5)
    screenshot(page, "capa-opened", full_page=False)

    login(page, frontline)
    page.goto(f"/improvement/actions/{action.pk}/")
    page.fill("#form-complete textarea[name=evidence]", "Script v2 published; team briefed")
    with page.expect_navigation():
        page.click("#form-complete button[type=submit]")
    expect(page.locator("#action-state")).to_have_attribute("data-state", "done")

    login(page, second_manager)
    page.goto(f"/improvement/actions/{action.pk}/")
    expect(page.locator("#action-evidence")).to_contain_text("Script v2 published")
    with page.expect_navigation():
        page.click("#form-verify button[type=submit]")
    expect(page.locator("#action-state")).to_have_attribute("data-state", "verified")
    assert CorrectiveAction.objects.get().state == ActionState.VERIFIED

    page.goto(complaints[0].get_absolute_url())
    panel = page.locator("#corrective-actions")
    expect(panel).to_contain_text("Add the confirmation step to the script")
    expect(panel.locator(".action-state")).to_have_attribute("data-state", "verified")
    screenshot(page, "capa-on-complaint", full_page=False)
