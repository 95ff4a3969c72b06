"""Recurring causes in a real browser: a department manager finds the month's leading cause in
the monthly report, follows "Open a corrective action" to the pre-filled create page, opens the
action for the five complaints behind it, and the cause leaves the recurring-causes page."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, State
from improvement.models import CorrectiveAction
from tests.conftest import root_cause

pytestmark = pytest.mark.e2e


def test_from_the_monthly_report_to_one_action_for_five_complaints(
    page, login, screenshot, manager, frontline, make_complaint
):
    parent = root_cause("process", "Process")
    cause = root_cause("missing-step", "Missing step", parent)
    complaints = [make_complaint(State.RESOLVED) for _ in range(5)]
    # The coded cause chosen at resolution (the resolution form records it).
    Complaint.objects.filter(pk__in=[c.pk for c in complaints]).update(cause=cause)

    login(page, manager)
    page.goto("/reports/recurring-causes/")
    row = page.locator('#recurring-causes tr[data-cause="missing-step"]')
    expect(row).to_contain_text("5")
    today = timezone.localdate()
    page.goto(f"/reports/monthly/{today:%Y}/{today:%m}/")
    expect(page.locator("#causes-finer")).to_contain_text("Process / Missing step")
    point = page.locator("#improvement-points li", has_text="Missing step")
    screenshot(page, "causes-report", full_page=False)
    with page.expect_navigation():
        point.locator('a[data-link="action"]').click()
    listed = page.locator("textarea[name=complaints]").input_value()
    assert all(c.reference in listed for c in complaints)
    page.fill("input[name=title]", "Add the confirmation step to the script")
    page.select_option("select[name=owner]", str(frontline.pk))
    page.fill("input[name=due_on]", "2027-03-31")
    with page.expect_navigation():
        page.click("#action-form button[type=submit]")
    expect(page.locator("#action-complaints li[data-reference]")).to_have_count(5)
    assert CorrectiveAction.objects.get().cause == cause

    page.goto("/reports/recurring-causes/")
    expect(page.locator("#no-recurring-causes")).to_be_visible()
