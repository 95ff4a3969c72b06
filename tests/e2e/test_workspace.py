"""The staff workspace in a real browser: a complaint from registration to closure, the same in
Chinese, a department wall, and screenshots of every dashboard and the complaint page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, State
from tests.e2e.browser import switch_language

pytestmark = pytest.mark.e2e


def register_complaint(page, *, name: str, phone: str, description: str) -> str:
    """Fill the intake engineer's registration page; return the new complaint's reference."""
    page.click("#register-complaint")
    page.wait_for_url(re.compile(r"/complaints/new/$"))
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=complainant_name]", name)
    page.fill("input[name=complainant_phone]", phone)
    page.fill("textarea[name=description]", description)
    with page.expect_navigation():
        page.click("#register-form button[type=submit]")
    match = re.search(r"/complaints/(C-\d{4}-\d{6})/$", page.url)
    assert match, f"registration did not land on the complaint page: {page.url}"
    return match.group(1)


def perform(page, transition: str, fill) -> None:
    """Open a transition's form from its button, fill it, submit it, wait for the new page."""
    page.click(f"button[data-transition={transition}]")
    modal = page.locator(f"#modal-{transition}")
    modal.wait_for(state="visible")
    fill(modal)
    with page.expect_navigation():
        modal.locator("button[type=submit]").click()


def state_of(page) -> str:
    return page.locator("#complaint-state .badge").inner_text().strip()


def classify(modal, category, department):
    modal.locator("select[name=category]").select_option(str(category.pk))
    modal.locator("select[name=priority]").select_option("urgent")
    modal.locator("select[name=department]").select_option(str(department.pk))


def assign_to(handler):
    return lambda modal: modal.locator("select[name=assignee]").select_option(str(handler.pk))


def resolve(modal):
    modal.locator("textarea[name=root_cause]").fill("The agent skipped the script")
    modal.locator("textarea[name=resolution_summary]").fill("Apologised; agent coached")
    modal.locator("input[name=remedy_amount]").fill("50")
    modal.locator("select[name=substantiated]").select_option("true")
    # A substantiated complaint names its coded root cause (#16), by code.
    modal.locator("select[name=cause]").select_option("people-skill")


def follow_up(modal):
    modal.locator("select[name=outcome]").select_option("satisfied")
    modal.locator("textarea[name=comment]").fill("Happy with the apology")


def close(modal):
    modal.locator("textarea[name=reason]").fill("Complainant satisfied")


def run_lifecycle(page, login, *, frontline, manager, category, dept_a, chinese: bool, shots):
    """Register → classify (frontline) → assign (manager) → resolve, follow up, close
    (handler). Returns the reference; ``shots(page)`` screenshots the closed complaint's page."""
    login(page, frontline)
    if chinese:
        switch_language(page, "zh-hans")
    reference = register_complaint(
        page, name="王芳", phone="138 0013 8000", description="客服挂断了我的电话"
    )
    perform(page, "classify", lambda m: classify(m, category, dept_a))
    assert state_of(page) == ("已受理分类" if chinese else "Classified")

    login(page, manager)
    page.goto(f"/complaints/{reference}/")
    perform(page, "assign", assign_to(frontline))
    assert state_of(page) == ("已分派" if chinese else "Assigned")

    login(page, frontline)
    page.goto(f"/complaints/{reference}/")
    perform(page, "resolve", resolve)
    assert state_of(page) == ("已处理" if chinese else "Resolved")
    perform(page, "follow_up", follow_up)
    perform(page, "close", close)
    assert state_of(page) == ("已结案" if chinese else "Closed")
    shots(page)
    return reference


def test_a_complaint_from_registration_to_closure_in_the_browser(
    page, login, screenshot, frontline, manager, category, dept_a
):
    reference = run_lifecycle(
        page,
        login,
        frontline=frontline,
        manager=manager,
        category=category,
        dept_a=dept_a,
        chinese=False,
        shots=lambda p: screenshot(p, "complaint-en"),
    )
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.state == State.CLOSED
    assert complaint.assignee == frontline and complaint.category == category
    actions = list(
        complaint.history.order_by("history_date", "history_id").values_list(
            "history_transition", "history_user__username"
        )
    )
    assert [a for a, _ in actions if a in services.TRANSITIONS or a == "register"] == [
        "register",
        "classify",
        "assign",
        "resolve",
        "follow_up",
        "close",
    ]
    assert ("assign", "manager") in actions
    # The timeline on the page tells the same story.
    titles = page.locator("#timeline .timeline-title").all_inner_texts()
    for title in ("Registered", "Classified", "Assigned", "Resolved", "Closed"):
        assert title in titles
    assert "Customer service" in page.locator("#complaint-department").inner_text()


def test_the_same_flow_in_the_chinese_interface(
    page, login, screenshot, frontline, manager, category, dept_a
):
    reference = run_lifecycle(
        page,
        login,
        frontline=frontline,
        manager=manager,
        category=category,
        dept_a=dept_a,
        chinese=True,
        shots=lambda p: screenshot(p, "complaint-zh"),
    )
    assert Complaint.objects.get(reference=reference).state == State.CLOSED
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("#timeline-heading").inner_text() == "时间线"
    assert "变更历史" in page.locator("#history-link").inner_text()
    assert page.locator("[data-nav=list]").inner_text() == "投诉"


def test_a_stale_form_in_the_browser_shows_a_message_and_saves_nothing(
    page, login, frontline, frontline2, manager, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    login(page, manager)
    page.goto(f"/complaints/{complaint.reference}/")
    # Meanwhile a colleague assigns it.
    services.assign(complaint, by=manager, assignee=frontline2)
    perform(page, "assign", assign_to(frontline))
    assert "was changed by someone else" in page.locator(".alert-danger").inner_text()
    assert Complaint.objects.get(pk=complaint.pk).assignee == frontline2
    assert page.locator("#complaint-assignee").inner_text() == "frontline2"


def test_frontline_cannot_reach_another_departments_complaint(
    page, login, frontline_b, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)  # department A
    login(page, frontline_b)
    response = page.goto(f"/complaints/{complaint.reference}/")
    assert response.status == 404
    page.goto("/complaints/")
    assert complaint.reference not in page.locator("#complaint-list").inner_text()


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_screenshots_of_every_dashboard(
    page,
    login,
    screenshot,
    language,
    frontline,
    frontline2,
    manager,
    manager_b,
    frontline_b,
    gm,
    auditor,
    make_complaint,
    dept_b,
):
    now = timezone.now()
    overdue = make_complaint(State.ASSIGNED, complainant_name="张伟")
    services.set_deadlines(
        overdue, by=None, action="sla", reason="", next_due_at=now - timedelta(hours=3)
    )
    soon = make_complaint(State.RECEIVED, complainant_name="李娜")
    services.set_deadlines(
        soon, by=None, action="sla", reason="", next_due_at=now + timedelta(hours=2)
    )
    make_complaint(State.ASSIGNED, handler=frontline2, complainant_name="刘洋")
    services.escalate(make_complaint(State.CLASSIFIED), by=manager, reason="Needs a manager")
    make_complaint(State.CLASSIFIED, priority="major", complainant_name="陈静")
    make_complaint(State.CLOSED)
    other = services.register(
        by=frontline_b, channel="letter", description="账单错误", department=dept_b
    )
    services.escalate(
        services.escalate(other, by=manager_b, reason="up"), by=manager_b, reason="GM"
    )

    suffix = "en" if language == "en" else "zh"
    headings = {
        "frontline": ("My work", "我的工作"),
        "manager": ("Department dashboard", "部门工作台"),
        "gm": ("Organisation dashboard", "全机构工作台"),
        "auditor": ("Audit dashboard", "审计工作台"),
    }
    for user in (frontline, manager, gm, auditor):
        login(page, user)
        if language != "en":
            switch_language(page, language)
        tier = user.staff_profile.tier
        expected = headings[tier][0 if language == "en" else 1]
        assert expected in page.locator("h1").inner_text()
        screenshot(page, f"dashboard-{tier}-{suffix}")
    # The auditor's dashboard links each change to the complaint's history page.
    assert page.locator("#recent-changes a.history-link").count() > 0

    login(page, manager)
    if language != "en":
        switch_language(page, language)
    page.goto("/complaints/")
    screenshot(page, f"complaint-list-{suffix}")
