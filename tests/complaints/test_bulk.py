"""Bulk actions on the complaint list: each complaint through its one-by-one service, each
checked and recorded on its own; a refusal names the complaint and leaves the others done."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Complaint, Note, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


BULK = "/complaints/bulk/"


def pair(complaint: Complaint) -> str:
    return f"{complaint.pk}:{complaint.version}"


def post(client, action: str, complaints, **fields):
    data = {"action": action, "selected": [pair(c) for c in complaints], **fields}
    return client.post(BULK, data)


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def last_history(complaint: Complaint):
    return complaint.history.order_by("-history_date", "-history_id").first()


def refused_references(response) -> list[str]:
    return re.findall(r'<tr data-reference="([^"]+)">', response.content.decode())


def test_bulk_assign_refuses_only_the_stale_and_the_forbidden_complaints(
    client, frontline, frontline2, manager, make_complaint
):
    unassigned = [make_complaint(State.CLASSIFIED) for _ in range(5)]
    # Seen on the list, then changed by someone else before the bulk action.
    stale = make_complaint(State.CLASSIFIED)
    seen_stale = fresh(stale)
    services.change_priority(stale, by=manager, priority="urgent", reason="Caller was upset")
    # Still assigned to this agent, but escalated to the manager tier: visible, not theirs.
    escalated = make_complaint(State.ASSIGNED, handler=frontline)
    services.escalate(escalated, by=manager, reason="Beyond frontline authority")
    escalated = fresh(escalated)

    client.force_login(frontline)
    response = post(
        client,
        "assign",
        [*unassigned, seen_stale, escalated],
        assignee=frontline2.pk,
        reason="Rebalance the morning queue",
    )

    assert response.status_code == 200
    assert sorted(refused_references(response)) == sorted([stale.reference, escalated.reference])
    page = response.content.decode()
    assert "was changed by someone else" in page
    assert "You may not mark" in page
    assert "5 of 7 selected complaints assigned." in page
    for complaint in unassigned:
        complaint = fresh(complaint)
        assert complaint.assignee == frontline2
        row = last_history(complaint)
        assert row.history_transition == "assign"
        assert row.history_user == frontline
        assert row.history_change_reason == "bulk: Rebalance the morning queue"
    # Each got its own history row, not one row for the batch.
    assert (
        Complaint.history.filter(
            id__in=[c.pk for c in unassigned], history_transition="assign"
        ).count()
        == 5
    )
    assert fresh(stale).assignee is None
    assert fresh(escalated).assignee == frontline
    assert last_history(fresh(escalated)).history_transition == "escalate"


def test_frontline_cannot_bulk_assign_to_another_department(
    client, frontline, frontline_b, make_complaint
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(2)]
    client.force_login(frontline)

    response = post(client, "assign", complaints, assignee=frontline_b.pk)

    assert response.status_code == 400
    assert "Nothing was changed" in response.content.decode()
    assert all(fresh(c).assignee is None for c in complaints)


def test_the_handler_picker_offers_only_people_who_may_take_the_work(
    client, frontline, frontline2, frontline_b, manager, gm, auditor
):
    client.force_login(manager)
    response = client.get("/complaints/")
    offered = {user.pk for user in response.context["bulk_form"].fields["assignee"].queryset}
    assert {frontline.pk, frontline2.pk, manager.pk} <= offered
    assert frontline_b.pk not in offered
    assert auditor.pk not in offered


def test_a_complaint_of_another_department_is_refused_without_being_named(
    client, frontline, frontline2, manager_b, make_complaint, dept_b, category
):
    mine = make_complaint(State.CLASSIFIED)
    theirs = services.classify(
        make_complaint(department=dept_b),
        by=manager_b,
        category=category,
        priority="normal",
        department=dept_b,
    )
    client.force_login(frontline)

    response = post(client, "assign", [mine, theirs], assignee=frontline2.pk)

    assert response.status_code == 200
    page = response.content.decode()
    assert theirs.reference not in page
    assert "Not found, or not visible to you." in page
    assert fresh(mine).assignee == frontline2
    assert fresh(theirs).assignee is None


def test_an_auditor_may_not_run_a_bulk_action(client, auditor, frontline, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(auditor)

    assert post(client, "assign", [complaint], assignee=frontline.pk).status_code == 403
    assert post(client, "note", [complaint], body="Looks fine").status_code == 403
    assert fresh(complaint).assignee is None


def test_an_auditor_may_export_a_selection(client, auditor, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(auditor)

    response = post(client, "export_csv", [complaint])

    assert response.status_code == 200
    assert complaint.reference in b"".join(response.streaming_content).decode()


def test_bulk_actions_answer_405_to_get_and_403_to_an_outsider(client, outsider):
    client.force_login(outsider)
    assert client.get(BULK).status_code == 405
    assert (
        client.post(BULK, {"action": "note", "selected": ["1:1"], "body": "x"}).status_code == 403
    )


def test_bulk_priority_change_records_each_complaint(client, manager, make_complaint):
    complaints = [make_complaint(State.ASSIGNED) for _ in range(3)]
    client.force_login(manager)

    response = post(client, "priority", complaints, priority="major", reason="Press enquiry")

    assert response.status_code == 200
    assert "3 of 3 selected complaints given the new priority." in response.content.decode()
    for complaint in complaints:
        complaint = fresh(complaint)
        assert complaint.priority == "major"
        # DOMAIN.md: a major complaint goes straight to a manager.
        assert complaint.tier == "manager"
        row = last_history(complaint)
        assert (row.history_transition, row.history_user, row.history_change_reason) == (
            "priority",
            manager,
            "bulk: Press enquiry",
        )


def test_frontline_cannot_lower_a_major_complaint(frontline, make_complaint):
    complaint = make_complaint(State.CLASSIFIED, priority="major")
    with pytest.raises(services.ServiceError):
        services.change_priority(complaint, by=frontline, priority="normal")
    assert fresh(complaint).priority == "major"


def test_a_priority_change_to_the_same_priority_is_refused_by_name(client, manager, make_complaint):
    same = make_complaint(State.CLASSIFIED, priority="urgent")
    other = make_complaint(State.CLASSIFIED)
    client.force_login(manager)

    response = post(client, "priority", [same, other], priority="urgent")

    assert refused_references(response) == [same.reference]
    assert fresh(other).priority == "urgent"


def test_bulk_note_adds_one_note_to_each_complaint(client, frontline, make_complaint):
    complaints = [make_complaint(State.ASSIGNED, handler=frontline) for _ in range(3)]
    client.force_login(frontline)

    response = post(client, "note", complaints, body="Called the depot: parts arrive Friday")

    assert response.status_code == 200
    for complaint in complaints:
        notes = Note.objects.filter(complaint=complaint)
        assert [n.body for n in notes] == ["Called the depot: parts arrive Friday"]
        assert notes[0].author == frontline
        assert notes[0].history.get().history_user == frontline


def test_a_selection_beyond_the_limit_is_refused_whole(client, manager, make_complaint, settings):
    settings.REDRESS_BULK_MAX = 3
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(4)]
    client.force_login(manager)

    response = post(client, "priority", complaints, priority="urgent")

    assert response.status_code == 400
    assert "at most 3" in response.content.decode()
    assert all(fresh(c).priority == "normal" for c in complaints)


@pytest.mark.parametrize(
    "selected", [[], ["12"], ["abc:1"], ["1:1", "1:2"]], ids=["none", "bare", "text", "twice"]
)
def test_a_bad_selection_is_a_400(client, manager, selected):
    client.force_login(manager)
    response = client.post(BULK, {"action": "priority", "priority": "urgent", "selected": selected})
    assert response.status_code == 400


def test_a_missing_field_of_the_action_is_a_400(client, manager, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    assert post(client, "assign", [complaint]).status_code == 400
    assert post(client, "note", [complaint], body="").status_code == 400


def _bulk_assign_queries(client, manager, frontline, make_complaint, n: int) -> int:
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(n)]
    with CaptureQueriesContext(connection) as captured:
        response = post(client, "assign", complaints, assignee=frontline.pk, reason="Spread")
    assert response.status_code == 200
    assert all(fresh(c).assignee == frontline for c in complaints)
    return len(captured)


def test_bulk_assign_queries_grow_by_a_small_constant_per_complaint(
    client, manager, frontline, make_complaint
):
    client.force_login(manager)
    few = _bulk_assign_queries(client, manager, frontline, make_complaint, 5)
    many = _bulk_assign_queries(client, manager, frontline, make_complaint, 50)
    per_complaint = (many - few) / 45
    # The lock, the UPDATE, the history INSERT, the deadline receivers' work and the
    # transaction's savepoints: a fixed handful per complaint, never one per other complaint.
    assert per_complaint <= 12, (few, many)
    assert many <= few + 12 * 45


def test_raising_a_complaint_to_major_tells_the_general_manager(
    client, manager, gm, make_complaint
):
    from escalation.models import Notice

    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)

    post(client, "priority", [complaint], priority="major", reason="Reporter called")

    assert Notice.objects.filter(kind="major", complaint=complaint).count() == 1
