from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from complaints.models import State
from improvement import services
from improvement.models import ActionState, CorrectiveAction

pytestmark = pytest.mark.django_db


def detail_url(action) -> str:
    return reverse("improvement:action_detail", args=[action.pk])


def move_url(action, name: str) -> str:
    return reverse("improvement:action_transition", args=[action.pk, name])


def test_the_create_link_prefills_the_cause_and_the_complaints(
    client, manager, cause, make_complaint
):
    one, two = make_complaint(State.CLASSIFIED), make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    url = reverse("improvement:action_create")
    response = client.get(f"{url}?cause={cause.code}&complaints={one.reference},{two.reference}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["cause"] == cause.code
    assert (
        one.reference in form.initial["complaints"] and two.reference in form.initial["complaints"]
    )
    assert "Missing step" in form.initial["title"]


def test_a_manager_opens_an_action_for_several_complaints(
    client, manager, frontline, cause, dept_a, make_complaint
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(3)]
    client.force_login(manager)
    response = client.post(
        reverse("improvement:action_create"),
        {
            "title": "Fix the script",
            "cause": cause.code,
            "department": dept_a.pk,
            "owner": frontline.pk,
            "due_on": "2027-03-31",
            "complaints": ", ".join(c.reference for c in complaints),
        },
    )
    action = CorrectiveAction.objects.get()
    assert response.status_code == 302 and response.url == detail_url(action)
    assert set(action.complaints.all()) == set(complaints)
    assert action.history.get().history_user == manager


def test_an_unknown_reference_is_a_clear_400(client, manager, frontline, cause, dept_a):
    client.force_login(manager)
    response = client.post(
        reverse("improvement:action_create"),
        {
            "title": "Fix",
            "cause": cause.code,
            "department": dept_a.pk,
            "owner": frontline.pk,
            "due_on": "2027-03-31",
            "complaints": "C-2026-999999",
        },
    )
    assert response.status_code == 400
    assert "C-2026-999999" in response.content.decode()
    assert not CorrectiveAction.objects.exists()


def test_auditor_and_frontline_may_not_open_actions(client, auditor, frontline):
    for user in (auditor, frontline):
        client.force_login(user)
        assert client.get(reverse("improvement:action_create")).status_code == 403


def test_an_outsider_gets_404_for_an_action(client, open_action, outsider, frontline_b):
    action = open_action()
    for user in (outsider, frontline_b):
        client.force_login(user)
        assert client.get(detail_url(action)).status_code == 404


def test_the_owner_completes_and_another_manager_verifies_from_the_page(
    client, open_action, frontline, manager
):
    action = open_action()
    client.force_login(frontline)
    response = client.post(
        move_url(action, "complete"), {"evidence": "Script v2 published", "expected_version": 1}
    )
    assert response.status_code == 302
    client.force_login(manager)
    page = client.get(detail_url(action)).content.decode()
    assert "Script v2 published" in page and 'id="form-verify"' in page
    assert client.post(move_url(action, "verify"), {"note": "Checked", "expected_version": 2})
    row = CorrectiveAction.objects.get(pk=action.pk)
    assert row.state == ActionState.VERIFIED
    assert row.history.latest("history_id").history_user == manager


def test_a_transition_refuses_get_and_auditors(client, open_action, auditor):
    action = open_action()
    client.force_login(auditor)
    assert client.get(move_url(action, "start")).status_code == 405
    assert client.post(move_url(action, "start"), {}).status_code == 403


def test_a_stale_copy_gets_a_conflict_message(client, open_action, frontline, manager):
    action = open_action()
    services.edit(action, by=manager, title="Renamed")
    client.force_login(frontline)
    response = client.post(move_url(action, "start"), {"expected_version": 1})
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert CorrectiveAction.objects.get(pk=action.pk).state == ActionState.PLANNED


def test_the_owner_manager_is_told_why_they_cannot_verify(client, open_action, manager):
    action = services.complete(open_action(owner=manager), by=manager, evidence="Done")
    client.force_login(manager)
    response = client.post(move_url(action, "verify"), {"expected_version": action.version})
    assert response.status_code == 409
    assert "owner of an action cannot verify" in response.content.decode()


def test_the_page_counts_the_complaints_the_viewer_cannot_see(
    client, open_action, make_complaint, frontline, frontline2, manager
):
    mine = make_complaint(State.ASSIGNED, handler=frontline)
    others = [make_complaint(State.ASSIGNED, handler=frontline2) for _ in range(2)]
    action = open_action(complaints=[mine, *others])
    client.force_login(frontline)
    response = client.get(detail_url(action))
    assert [c.reference for c in response.context["complaints"]] == [mine.reference]
    assert response.context["hidden_count"] == 2
    assert "2 more you cannot see" in response.content.decode()


def test_the_list_costs_the_same_queries_for_many_actions(
    client, open_action, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    open_action()
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("improvement:action_list"))
    for n in range(15):
        open_action(title=f"Action {n}", due_on=dt.date(2027, 4, 1) + dt.timedelta(days=n))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("improvement:action_list") + "?state=planned")
    assert len(response.context["page"].rows) == 16


def test_the_list_filters_overdue_actions(client, open_action, manager, time_machine):
    time_machine.move_to(dt.datetime(2027, 4, 10, 9, tzinfo=dt.UTC), tick=False)
    late = open_action(due_on=dt.date(2027, 4, 1))
    open_action(due_on=dt.date(2027, 5, 1))
    client.force_login(manager)
    response = client.get(reverse("improvement:action_list") + "?overdue=true")
    assert [a.pk for a in response.context["page"].rows] == [late.pk]


def test_the_complaint_page_shows_its_actions(client, open_action, make_complaint, manager):
    complaint = make_complaint(State.CLASSIFIED)
    action = open_action(complaints=[complaint], title="Retrain the team")
    client.force_login(manager)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "Retrain the team" in page and detail_url(action) in page


def test_managers_see_the_navigation_entry_and_frontline_do_not(client, manager, frontline):
    client.force_login(manager)
    assert reverse("improvement:action_list") in client.get("/").content.decode()
    client.force_login(frontline)
    assert reverse("improvement:action_list") not in client.get("/").content.decode()


def test_the_action_page_costs_the_same_queries_with_more_complaints_and_history(
    client, open_action, make_complaint, manager, frontline, django_assert_max_num_queries
):
    action = open_action(complaints=[make_complaint(State.CLASSIFIED)])
    client.force_login(manager)
    with django_assert_max_num_queries(30) as few:
        client.get(detail_url(action))
    more = [make_complaint(State.CLASSIFIED) for _ in range(6)]
    services.link_complaints(action, by=manager, complaints=more)
    services.start(action, by=frontline)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail_url(action))
    assert len(response.context["complaints"]) == 7


def test_a_manager_gets_the_one_step_link_on_a_complaint_with_a_coded_cause(
    client, make_complaint, manager, frontline, cause
):
    from complaints.models import Complaint

    complaint = make_complaint(State.RESOLVED)
    Complaint.objects.filter(pk=complaint.pk).update(cause=cause)
    client.force_login(manager)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert f"cause={cause.code}&amp;complaints={complaint.reference}" in page
    client.force_login(frontline)
    assert "open-action-link" not in client.get(complaint.get_absolute_url()).content.decode()
