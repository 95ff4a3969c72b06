"""Resolved at first contact (the FCA's summary resolution) on the staff registration form:
register, classify, assign, resolve and follow up in one transaction, or nothing at all."""

from __future__ import annotations

import pytest

from complaints.models import Complaint, State
from tests.intake.test_staff_intake import URL, form


def resolved_on_the_call(category, **overrides):
    data = form(
        **{
            "first_contact-resolved": "on",
            "first_contact-category": str(category.pk),
            "first_contact-resolution_summary": "Explained the bill; the fee was correct.",
            "first_contact-root_cause": "Misread the tariff",
            "first_contact-substantiated": "false",
            "first_contact-remedy": "",
            "first_contact-follow_up_outcome": "satisfied",
        }
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post(client, user, data):
    client.force_login(user)
    return client.post(URL, data, headers={"Accept-Language": "en"})


def actions(complaint):
    return list(
        complaint.history.order_by("history_date", "history_id").values_list(
            "history_transition", "history_user__username"
        )
    )


def test_the_section_is_on_the_form(client, frontline):
    client.force_login(frontline)
    page = client.get(URL, headers={"Accept-Language": "en"}).content.decode()
    assert 'id="first-contact"' in page
    assert "Resolved at first contact" in page
    assert 'name="first_contact-follow_up_outcome"' in page


def test_resolved_and_followed_up_on_the_call(client, frontline, dept_a, category, on_commit):
    with on_commit():
        response = post(client, frontline, resolved_on_the_call(category))
    assert response.status_code == 302, response.content.decode()[:3000]
    complaint = Complaint.objects.get()
    assert response["Location"] == complaint.get_absolute_url()
    assert complaint.state == State.FOLLOWED_UP
    assert complaint.category == category
    assert complaint.department == dept_a
    assert complaint.priority == "normal"
    assert complaint.assignee == frontline
    assert complaint.substantiated is False
    assert complaint.follow_up_outcome == "satisfied"
    assert actions(complaint) == [
        ("register", "frontline"),
        ("classify", "frontline"),
        ("assign", "frontline"),
        ("resolve", "frontline"),
        ("follow_up", "frontline"),
    ]
    page = client.get(response["Location"], headers={"Accept-Language": "en"})
    assert "registered and resolved at first contact" in page.content.decode()


def test_without_an_answer_it_stays_resolved(client, frontline, category, on_commit):
    data = resolved_on_the_call(category, **{"first_contact-follow_up_outcome": ""})
    with on_commit():
        response = post(client, frontline, data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.state == State.RESOLVED
    assert [a for a, _ in actions(complaint)] == ["register", "classify", "assign", "resolve"]


def test_a_resent_form_returns_the_first_complaint(client, frontline, category, on_commit):
    with on_commit():
        post(client, frontline, resolved_on_the_call(category))
        response = post(client, frontline, resolved_on_the_call(category))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert len(actions(complaint)) == 5


def test_a_major_complaint_is_refused_and_nothing_is_saved(client, frontline, category):
    # A major complaint starts at the manager tier: frontline may not handle it, so a step
    # after the registration is refused and the registration is undone with it.
    response = post(client, frontline, resolved_on_the_call(category, priority="major"))
    assert response.status_code in (403, 409)
    assert "You may not" in response.content.decode()  # the refusing step says why
    assert 'name="first_contact-resolution_summary"' in response.content.decode()
    assert "Explained the bill" in response.content.decode()  # the agent's input is kept
    assert not Complaint.objects.exists()
    assert not Complaint.history.exists()


def test_an_agent_without_a_department_is_refused(client, gm, category):
    response = post(client, gm, resolved_on_the_call(category))
    assert response.status_code == 403
    assert "Only staff of a department" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    "missing",
    [
        "first_contact-category",
        "first_contact-resolution_summary",
        "first_contact-root_cause",
        "first_contact-substantiated",
    ],
)
def test_the_resolution_fields_are_required_when_ticked(client, frontline, category, missing):
    response = post(client, frontline, resolved_on_the_call(category, **{missing: ""}))
    assert response.status_code == 400
    assert "Required for a complaint resolved at first contact." in response.content.decode()
    assert not Complaint.objects.exists()


def test_unticked_the_section_is_ignored(client, frontline, category, on_commit):
    data = resolved_on_the_call(category, **{"first_contact-resolved": None})
    with on_commit():
        response = post(client, frontline, data)
    assert response.status_code == 302
    assert Complaint.objects.get().state == State.RECEIVED


def test_a_duplicate_cannot_be_resolved_at_first_contact(
    client, frontline, category, make_complaint
):
    open_one = make_complaint()
    data = resolved_on_the_call(category, merge_into_reference=open_one.reference)
    response = post(client, frontline, data)
    assert response.status_code == 400
    assert "cannot be resolved at first contact" in response.content.decode()
    assert Complaint.objects.count() == 1
