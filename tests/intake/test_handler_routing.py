"""Every unit's complaint handler (各单位应指定一名投诉处理人员): a complaint accepted into a
department goes to its named handler first, unless switched off or the handler cannot take it;
the handler receives the department's escalation notices."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core import mail as outbox
from django.utils import translation
from django.utils.translation import gettext

from complaints import services
from complaints.models import Complaint, State
from escalation import notify
from escalation.models import Notice
from tests.conftest import _staff

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def english(settings):
    # Messages are asserted in English: requests without Accept-Language get English too.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def handler(dept_a):
    """Department A's named complaint handler, a frontline agent of the department."""
    user = _staff("handler", "frontline", dept_a)
    dept_a.complaint_handler = user
    dept_a.save()
    return user


def classify(complaint, manager, category, dept_a, **kw) -> Complaint:
    return services.classify(
        complaint, by=manager, category=category, priority="normal", department=dept_a, **kw
    )


def test_a_complaint_accepted_into_the_department_goes_to_its_handler(
    make_complaint, handler, manager, category, dept_a
):
    with time_machine.travel(MONDAY, tick=False):
        done = classify(make_complaint(), manager, category, dept_a)
    assert done.state == State.ASSIGNED and done.assignee == handler
    assert done.assigned_at == MONDAY
    rows = list(
        done.history.order_by("-history_date", "-history_id").values_list(
            "history_transition", "history_user", "history_change_reason"
        )[:2]
    )
    # Written in the organisation's language, like every reason staff read in the history.
    with translation.override(settings.LANGUAGE_CODE):
        routed = gettext("Routed to the department's complaint handler")
    assert rows[0] == ("assign", manager.pk, routed)
    assert rows[1][:2] == ("classify", manager.pk)


def test_a_frontline_agent_classifying_routes_without_the_assign_permission(
    make_complaint, handler, frontline, category, dept_a
):
    done = classify(make_complaint(), frontline, category, dept_a)
    assert done.assignee == handler
    assert done.history.latest("history_date").history_user == frontline


@pytest.mark.parametrize(
    "case",
    ["switched off", "no handler", "inactive", "complained about", "other department"],
)
def test_the_complaint_waits_in_the_queue_when_the_handler_cannot_take_it(
    make_complaint, handler, manager, category, dept_a, dept_b, case
):
    complaint_fields = {}
    if case == "switched off":
        dept_a.route_to_handler = False
        dept_a.save()
    elif case == "no handler":
        dept_a.complaint_handler = None
        dept_a.save()
    elif case == "inactive":
        handler.is_active = False
        handler.save()
    elif case == "complained about":
        complaint_fields["subject_person"] = handler
    elif case == "other department":
        services.set_staff_profile(handler, tier="frontline", department=dept_b)
    done = classify(make_complaint(**complaint_fields), manager, category, dept_a)
    assert done.state == State.CLASSIFIED and done.assignee is None


def test_a_major_complaint_is_not_routed_to_a_frontline_handler(
    make_complaint, handler, manager, category, dept_a
):
    done = services.classify(
        make_complaint(), by=manager, category=category, priority="major", department=dept_a
    )
    assert done.state == State.CLASSIFIED and done.tier == "manager"


def test_a_manager_handler_takes_major_complaints(make_complaint, manager, category, dept_a):
    dept_a.complaint_handler = manager
    dept_a.save()
    done = services.classify(
        make_complaint(), by=manager, category=category, priority="major", department=dept_a
    )
    assert done.state == State.ASSIGNED and done.assignee == manager


def test_a_caller_assigning_at_once_is_not_routed(
    make_complaint, handler, manager, category, dept_a
):
    done = classify(make_complaint(), manager, category, dept_a, route=False)
    assert done.state == State.CLASSIFIED


def test_the_classify_page_routes_to_the_handler(
    client, make_complaint, handler, manager, category, dept_a
):
    complaint = make_complaint()
    client.force_login(manager)
    response = client.post(
        f"/complaints/{complaint.reference}/transitions/classify/",
        {
            "category": category.pk,
            "priority": "normal",
            "department": dept_a.pk,
            "expected_version": complaint.version,
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).assignee == handler


# --- escalation notices ----------------------------------------------------------------------


def recipients_of(kind: str) -> set[str]:
    notice = Notice.objects.filter(kind=kind).latest("created_at")
    return {email for email, _language in notify.recipients(notice)}


def test_the_handler_is_told_of_the_department_s_escalations_with_its_manager(
    make_complaint, handler, manager, frontline, category, dept_a
):
    complaint = classify(make_complaint(), manager, category, dept_a)
    services.escalate(complaint, by=handler, reason="Beyond my authority")
    assert recipients_of("escalated") >= {manager.email}
    # The handler escalated it themselves: nobody is told of their own action.
    assert handler.email not in recipients_of("escalated")

    other = classify(make_complaint(), manager, category, dept_a, route=False)
    services.escalate(other, by=frontline, reason="Beyond my authority")
    assert recipients_of("escalated") == {manager.email, handler.email}


def test_without_a_handler_the_manager_alone_is_told(
    make_complaint, manager, frontline, category, dept_a
):
    complaint = classify(make_complaint(), manager, category, dept_a)
    services.escalate(complaint, by=frontline, reason="Beyond my authority")
    assert recipients_of("escalated") == {manager.email}


def test_an_unassigned_complaint_s_due_soon_warning_goes_to_the_handler_first(
    make_complaint, handler, manager, dept_a
):
    complaint = make_complaint()
    notice = Notice.objects.create(
        key="due-soon:test",
        kind="due-soon",
        complaint=complaint,
        recipients=[notify.DEPT_HANDLER],
        language="en",
        context={},
    )
    assert {email for email, _ in notify.recipients(notice)} == {handler.email}
    dept_a.complaint_handler = None
    dept_a.save()
    notice = Notice.objects.select_related("complaint__department").get(pk=notice.pk)
    assert {email for email, _ in notify.recipients(notice)} == {manager.email}
    assert outbox.outbox == []


# --- the department settings -------------------------------------------------------------------


def test_the_department_settings_show_the_handler_and_the_switch(
    client, gm, handler, dept_a, frontline_b
):
    from complaints.admin import DepartmentAdminForm

    client.force_login(gm)
    page = client.get(f"/admin/complaints/department/{dept_a.pk}/change/")
    html = page.content.decode()
    assert 'name="complaint_handler"' in html and 'name="route_to_handler"' in html
    data = {
        "code": dept_a.code,
        "name": dept_a.name,
        "complaint_handler": frontline_b.pk,  # staff of another department
        "route_to_handler": "on",
        "active": "on",
    }
    form = DepartmentAdminForm(data=data, instance=dept_a)
    assert not form.is_valid()
    assert "active staff of this department" in str(form.errors["complaint_handler"])
    form = DepartmentAdminForm(data={**data, "complaint_handler": handler.pk}, instance=dept_a)
    assert form.is_valid(), form.errors
