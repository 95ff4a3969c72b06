"""An appeal against a refusal (不予受理复查) decided in a real browser: the general manager opens
the appeal, follows the button to the decision page, overturns the refusal and the refused
complaint is accepted."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from complaints.models import Complaint, State
from intake import services as intake_services

pytestmark = pytest.mark.e2e


def test_a_manager_overturns_a_refusal_from_the_appeal_page(
    page, login, screenshot, gm, make_complaint, category
):
    refused = make_complaint(State.REJECTED)
    appeal, _created = intake_services.register_appeal(
        refused, by=None, channel="web", description="This is within your remit."
    )
    login(page, gm)
    page.goto(f"/complaints/{appeal.reference}/")
    with page.expect_navigation():
        page.click("#decide-refusal-appeal")
    expect(page.locator("#refusal-reason")).to_contain_text("Outside the organisation")
    page.check("input[name=outcome][value=overturned]")
    page.fill("textarea[name=explanation]", "Within our remit after all.")
    page.select_option("select[name=category]", str(category.pk))
    screenshot(page, "refusal-appeal-decision-en")
    with page.expect_navigation():
        page.click("#refusal-appeal-form button[type=submit]")

    assert page.url.endswith(f"/complaints/{appeal.reference}/")
    expect(page.locator("body")).to_contain_text(f"{refused.reference} is accepted")
    assert Complaint.objects.get(pk=refused.pk).state == State.CLASSIFIED
    assert Complaint.objects.get(pk=appeal.pk).state == State.RESOLVED
