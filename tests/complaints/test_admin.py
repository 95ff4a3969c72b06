"""The Django admin as a staff surface: transitions through services, edits with history, no
delete, and a changelist whose cost does not grow with the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db


def changelist_queries(client, django_assert_max_num_queries, count: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("admin:complaints_complaint_changelist"))
    assert response.status_code == 200
    assert response.content.decode().count("/change/") >= count
    return len(ctx.captured_queries)


def test_changelist_issues_a_fixed_number_of_queries_whatever_the_page_size(
    client, gm, make_complaint, django_assert_max_num_queries, frontline2
):
    client.force_login(gm)
    for _ in range(3):
        make_complaint(State.ASSIGNED, handler=frontline2)
    small = changelist_queries(client, django_assert_max_num_queries, 3)
    for _ in range(12):
        make_complaint(State.ASSIGNED, handler=frontline2)
    large = changelist_queries(client, django_assert_max_num_queries, 15)
    assert small == large
    with django_assert_max_num_queries(small):
        client.get(reverse("admin:complaints_complaint_changelist"))


def test_a_transition_button_runs_the_service_and_records_history(
    client, manager, frontline, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    change_url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = client.get(change_url)
    assert b'value="assign"' in page.content

    url = reverse("admin:complaints_complaint_transition", args=[complaint.pk, "assign"])
    response = client.post(url, {"assignee": frontline.pk, "reason": "Over to you"})
    assert response.status_code == 302
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.state == State.ASSIGNED and fresh.assignee == frontline
    row = fresh.history.latest()
    assert (row.history_user, row.history_change_reason, row.history_transition) == (
        manager,
        "Over to you",
        "assign",
    )


def test_a_refused_transition_in_the_admin_shows_why_and_saves_nothing(
    client, manager, make_complaint, frontline_b
):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    url = reverse("admin:complaints_complaint_transition", args=[complaint.pk, "assign"])
    response = client.post(
        url,
        {"assignee": frontline_b.pk, "reason": "Wrong dept"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "department" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).state == State.CLASSIFIED


def test_editing_details_in_the_admin_goes_through_the_service(client, frontline, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "complainant_name": "Han Meimei",
            "expected_version": complaint.version,
            "_save": "Save",
            **{f"{p}-TOTAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
            **{f"{p}-INITIAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
        }
    )
    data = {k: ("" if v is False else v) for k, v in data.items() if k != "confidential"}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.complainant_name == "Han Meimei" and fresh.version == complaint.version + 1
    assert fresh.history.latest().history_transition == "edit"


def test_a_stale_admin_edit_is_refused(client, frontline, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    response = client.post(
        url,
        {
            "complainant_name": "Someone else",
            "description": complaint.description,
            "complainant_language": "zh-hans",
            "expected_version": complaint.version + 5,
            "_save": "Save",
            **{f"{p}-TOTAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
            **{f"{p}-INITIAL_FORMS": 0 for p in ("notes", "communications", "attachments")},
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).complainant_name == "Li Lei"


def test_complaints_cannot_be_deleted_from_the_admin(client, gm, make_complaint):
    complaint = make_complaint(State.CLOSED)
    client.force_login(gm)
    url = reverse("admin:complaints_complaint_delete", args=[complaint.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:complaints_complaint_changelist"))
    assert b"delete_selected" not in changelist.content
    assert Complaint.objects.filter(pk=complaint.pk).exists()


def test_staff_accounts_cannot_be_deleted_from_the_admin(client, gm, frontline):
    from django.contrib.auth import get_user_model

    gm.is_superuser = True
    gm.save()
    client.force_login(gm)
    url = reverse("admin:auth_user_delete", args=[frontline.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=frontline.pk).exists()


# A complaint (and every record hanging off it) that the user may not see answers 404 in the
# admin, as on every other surface: Django's own answer to a missing object is a redirect to the
# admin index with "doesn't exist", which tells the user that something is there.
INVISIBLE_TO = {
    # persona: the complaint of department B, which only B, the GM and auditors see
    "frontline": "other_dept",
    "manager": "other_dept",
    # persona: department A's complaint, assigned to frontline
    "frontline2": "mine",
    "frontline_b": "mine",
    "manager_b": "mine",
}


@pytest.fixture
def invisible(make_complaint, frontline, frontline_b, dept_b):
    from complaints import services

    mine = make_complaint(State.ASSIGNED, handler=frontline)
    other = make_complaint(State.RECEIVED, department=dept_b, by=frontline_b)
    for complaint, author in ((mine, frontline), (other, frontline_b)):
        services.add_note(complaint, by=author, body="Called the branch")
        services.escalate(complaint, by=author, reason="Beyond my authority")
    return {"mine": mine, "other_dept": other}


@pytest.mark.parametrize("persona", sorted(INVISIBLE_TO))
def test_every_admin_page_of_a_complaint_the_user_may_not_see_is_404(
    client, request, invisible, persona
):
    user = request.getfixturevalue(persona)
    complaint = invisible[INVISIBLE_TO[persona]]
    client.force_login(user)
    note = complaint.notes.get()
    urls = [
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("admin:complaints_complaint_history", args=[complaint.pk]),
        reverse("admin:complaints_complaint_transition", args=[complaint.pk, "escalate"]),
        reverse("admin:complaints_note_change", args=[note.pk]),
        reverse("admin:complaints_note_history", args=[note.pk]),
        # The other apps' records of the complaint, read-only in the admin.
        reverse("admin:escalation_escalation_change", args=[complaint.escalations.get().pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    # A change page of a complaint that does not exist at all answers the same.
    missing = reverse("admin:complaints_complaint_change", args=[complaint.pk + 1000])
    assert client.get(missing).status_code == 404
    # ... and a POST changes nothing.
    change = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert client.post(change, {"complainant_name": "X", "_save": "Save"}).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).complainant_name == "Li Lei"


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm", "auditor"])
def test_the_admin_change_page_of_a_visible_complaint_opens_for_each_tier(
    client, request, invisible, persona
):
    client.force_login(request.getfixturevalue(persona))
    complaint = invisible["mine"]
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    assert client.get(url).status_code == 200
    note = reverse("admin:complaints_note_change", args=[complaint.notes.get().pk])
    assert client.get(note).status_code == 200
    record = complaint.escalations.get().pk
    assert (
        client.get(reverse("admin:escalation_escalation_change", args=[record])).status_code == 200
    )
