"""A responsibility finding contested and decided in a real browser: the person named contests
it from "Findings about me", the department manager overturns it from "Contests to decide",
and the complaint page shows the decision."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from complaints.models import Complaint, ResponsibilityContest, State

pytestmark = pytest.mark.e2e


def test_the_named_person_contests_and_the_manager_decides(
    page, login, screenshot, make_complaint, frontline, manager, dept_a
):
    complaint = make_complaint(State.RESOLVED)
    # The resolution records the finding (another part of #16); written directly here.
    Complaint.objects.filter(pk=complaint.pk).update(
        responsible_department=dept_a,
        responsible_person=frontline,
        responsibility_finding="Skipped the verification script",
        responsibility_found_at=timezone.now() - dt.timedelta(days=1),
    )

    login(page, frontline)
    page.goto("/accountability/mine/")
    row = page.locator(f"#my-findings tr[data-reference='{complaint.reference}']")
    assert "Skipped the verification script" in row.inner_text()
    row.locator("textarea[name=reason]").fill("I was on leave that day")
    screenshot(page, "contest-mine-en")
    with page.expect_navigation():
        row.get_by_role("button", name="Contest this finding").click()
    assert "sent to a manager" in page.locator("body").inner_text()
    assert "Waiting for a manager's decision." in row.inner_text()
    assert row.locator("form").count() == 0

    login(page, manager)
    page.goto("/accountability/contests/")
    contest = ResponsibilityContest.objects.get()
    decision = page.locator(f"#contests tr[data-contest='{contest.pk}']")
    assert "I was on leave that day" in decision.inner_text()
    decision.locator("textarea[name=note]").fill("The rota shows leave")
    screenshot(page, "contest-decide-en")
    with page.expect_navigation():
        decision.get_by_role("button", name="Overturn the finding").click()
    assert "No contest is waiting for a decision." in page.locator("#contests").inner_text()

    page.goto(complaint.get_absolute_url())
    panel = page.locator("#responsibility").inner_text()
    assert "Finding overturned" in panel and "The rota shows leave" in panel
    assert "Responsibility finding overturned" in page.locator("main").inner_text()
    screenshot(page, "contest-complaint-page-en")
    assert Complaint.objects.get(pk=complaint.pk).responsible_person is None
