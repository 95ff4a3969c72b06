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
