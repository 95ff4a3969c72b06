"""Saved views: saving the list's filter with its columns and sort, sharing with the
department (managers only), opening, renaming and deleting (own views; a department's views by
its manager), and never seeing through a view what one may not see."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from complaints.models import SavedView, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    cache.clear()


def listed(response) -> list[str]:
    return [c.reference for c in response.context["page"].rows]


def save(client, **fields):
    data = {"name": "Urgent open", "query": "state=open&priority=urgent", "sort": "due"}
    data.update(fields)
    return client.post("/complaints/views/", data)


def test_a_saved_view_keeps_known_filters_its_columns_and_sort(client, frontline):
    client.force_login(frontline)
    response = save(
        client,
        query="state=open&priority=urgent&bogus=1&after=abc&queue=mine",
        columns=["reference", "due", "nonsense"],
    )
    view = SavedView.objects.get()
    assert (view.owner, view.name, view.sort, view.shared_with_department) == (
        frontline,
        "Urgent open",
        "due",
        None,
    )
    assert view.query == "state=open&priority=urgent&queue=mine"  # unknown keys dropped
    assert view.columns == ["reference", "due"]
    assert response.status_code == 302
    assert response["Location"].startswith("/complaints/?state=open&priority=urgent&queue=mine")
    page = client.get(response["Location"])
    assert page.context["columns"] == ["reference", "due"]
    assert page.context["sort"] == "due"
    assert 'id="current-view"' in page.content.decode()
    history = view.history.get()
    assert (history.history_user, history.history_change_reason) == (
        frontline,
        "saved view created",
    )


def test_a_view_with_invalid_filters_or_no_name_is_refused(client, frontline):
    client.force_login(frontline)
    assert save(client, query="state=nonsense").status_code == 400
    assert save(client, name=" ").status_code == 400
    assert not SavedView.objects.exists()


def test_saving_is_a_post(client, frontline):
    client.force_login(frontline)
    assert client.get("/complaints/views/").status_code == 405


def test_a_frontline_agent_may_not_share_a_view(client, frontline):
    client.force_login(frontline)
    response = save(client, share="on")
    assert response.status_code == 403
    assert "Only a department manager may share a view." in response.content.decode()
    assert not SavedView.objects.exists()


def test_a_manager_shares_with_the_department_and_the_menu_lists_it(
    client, manager, frontline, frontline_b, dept_a
):
    client.force_login(manager)
    save(client, name="Team overdue", query="overdue=true", share="on")
    view = SavedView.objects.get()
    assert view.shared_with_department == dept_a
    client.force_login(frontline)
    page = client.get("/").content.decode()
    assert "Department views" in page and "Team overdue" in page
    assert client.get(f"/complaints/views/{view.pk}/").status_code == 302
    client.force_login(frontline_b)  # another department
    assert "Team overdue" not in client.get("/").content.decode()
    assert client.get(f"/complaints/views/{view.pk}/").status_code == 404


def test_a_personal_view_is_nobody_elses(client, frontline, frontline2):
    client.force_login(frontline)
    save(client, name="Mine")
    view = SavedView.objects.get()
    assert "My views" in client.get("/").content.decode()
    client.force_login(frontline2)
    assert "Mine" not in client.get("/").content.decode()
    assert client.get(f"/complaints/views/{view.pk}/").status_code == 404
    assert client.post(f"/complaints/views/{view.pk}/delete/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_rename_and_delete_ones_own_view(client, frontline):
    client.force_login(frontline)
    save(client, name="Old")
    view = SavedView.objects.get()
    assert client.get(f"/complaints/views/{view.pk}/rename/").status_code == 405
    response = client.post(f"/complaints/views/{view.pk}/rename/", {"name": "New"})
    assert response.status_code == 302
    view.refresh_from_db()
    assert view.name == "New"
    assert client.post(f"/complaints/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
    reasons = list(
        SavedView.history.filter(id=view.pk)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons == ["saved view created", "saved view renamed", "saved view deleted"]


def test_only_the_departments_manager_changes_a_department_view(
    client, manager, frontline, manager_b
):
    client.force_login(manager)
    save(client, name="Team", share="on")
    view = SavedView.objects.get()
    client.force_login(frontline)
    assert client.post(f"/complaints/views/{view.pk}/rename/", {"name": "X"}).status_code == 403
    assert client.post(f"/complaints/views/{view.pk}/delete/").status_code == 403
    client.force_login(manager_b)
    assert client.post(f"/complaints/views/{view.pk}/delete/").status_code == 404
    view.refresh_from_db()
    assert view.name == "Team"


def test_a_shared_view_never_shows_what_the_opener_may_not_see(
    client, make_complaint, manager, frontline, frontline2
):
    mine = make_complaint(State.ASSIGNED)
    theirs = make_complaint(State.ASSIGNED, handler=frontline2)
    client.force_login(manager)
    save(client, name="All assigned", query="state=assigned", share="on")
    view = SavedView.objects.get()
    assert set(listed(client.get(client.get(f"/complaints/views/{view.pk}/")["Location"]))) == {
        mine.reference,
        theirs.reference,
    }
    client.force_login(frontline)
    location = client.get(f"/complaints/views/{view.pk}/")["Location"]
    assert listed(client.get(location)) == [mine.reference]


def test_an_auditor_may_keep_a_personal_view(client, auditor):
    client.force_login(auditor)
    assert save(client, name="Audit").status_code == 302
    assert save(client, name="Shared", share="on").status_code == 403


def test_the_admin_lists_saved_views_read_only(admin_client, client, frontline):
    client.force_login(frontline)
    save(client, name="Mine")
    view = SavedView.objects.get()
    page = admin_client.get("/admin/complaints/savedview/")
    assert page.status_code == 200 and "Mine" in page.content.decode()
    assert admin_client.get(f"/admin/complaints/savedview/{view.pk}/change/").status_code == 200
    assert admin_client.get("/admin/complaints/savedview/add/").status_code == 403
