"""Remedy approvals wait in the approver's "waiting for my approval" queue (issue #15): a
frontline handler asks for a remedy beyond their limit, the tier whose limit covers it finds
the complaint in the queue, on the dashboard and on /escalation/requests/, approves it with the
core's "Approve remedy" step on the complaint page (or refuses it), and the request leaves the
queue. Limits come from settings.REDRESS_REMEDY_LIMITS (frontline 200, manager 5000)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.cache import cache

from complaints import queues, services
from complaints.models import Complaint, Note, State
from complaints.services import ActionForbidden, TransitionRefused
from escalation import services as sla
from escalation.models import RemedyApproval
from tests.conftest import RESOLUTION

pytestmark = pytest.mark.django_db

REQUESTS = "/escalation/requests/"


@pytest.fixture(autouse=True)
def counts_not_cached(settings):
    settings.REDRESS_QUEUE_COUNT_SECONDS = 0
    cache.clear()


@pytest.fixture
def named(frontline):
    """The requester has a display name, as staff do: pages show it, never the login."""
    frontline.first_name, frontline.last_name = "Wang", "Fang"
    frontline.save()
    return frontline


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def in_queue(user) -> set[str]:
    return set(queues.queue_complaints(user, "approvals").values_list("reference", flat=True))


def approvals_count(user) -> int:
    return queues.queue_counts(user).get("approvals", 0)


def ask(complaint, by, amount: str, why: str = "Charged twice") -> RemedyApproval:
    return sla.request_remedy_approval(complaint, by=by, amount=Decimal(amount), justification=why)


def requests_page(client, user) -> str:
    """The "Remedy approvals" section of /escalation/requests/ as ``user`` sees it."""
    client.force_login(user)
    response = client.get(REQUESTS)
    assert response.status_code == 200
    page = response.content.decode()
    start = page.index('id="pending-remedies"')
    return page[start : page.index("</table>", start)]


def test_a_frontline_request_beyond_its_limit_waits_for_the_department_manager(
    clock, client, make_complaint, named, manager, manager_b, gm, auditor, committed
):
    complaint = make_complaint(State.ASSIGNED)
    before = approvals_count(manager)
    with committed():
        request = ask(complaint, named, "500", "Double charge on the March bill")

    assert request.status == RemedyApproval.Status.PENDING
    assert request.approver_tier == "manager"
    assert approvals_count(manager) == before + 1
    assert in_queue(manager) == {complaint.reference}
    # Within the manager's limit: the general manager is not asked (not mailed, not queued).
    assert in_queue(gm) == set()
    assert [m.subject for m in mail.outbox if manager.email in m.to] == [
        f"[{complaint.reference}] Approval needed: remedy of 500"
    ]
    # The note of today stays, in the same transaction.
    assert Note.objects.get(complaint=complaint).body.startswith("Remedy approval of 500")

    section = requests_page(client, manager)
    assert complaint.reference in section and "500" in section
    assert "Wang Fang" in section and "Double charge on the March bill" in section
    assert f'href="{complaint.get_absolute_url()}"' in section
    dashboard = client.get("/").content.decode()
    assert re.search(r'data-queue-badge="approvals"[^>]*>1<', dashboard)
    card = re.search(r'data-deadline-card="approvals".*?fw-semibold[^>]*>(\d+)<', dashboard, re.S)
    assert card and card.group(1) == "1"
    listed = client.get("/complaints/?queue=approvals").context["page"].rows
    assert [c.reference for c in listed] == [complaint.reference]
    # The handler sees on the deadlines page that the request waits, and for whom.
    client.force_login(named)
    deadlines = client.get(f"/escalation/complaints/{complaint.reference}/").content.decode()
    assert "A remedy of 500.00 asked by Wang Fang awaits approval by the department manager." in (
        deadlines
    )


def test_the_requester_an_auditor_and_another_departments_manager_do_not_see_it(
    clock, client, make_complaint, frontline, manager_b, auditor
):
    complaint = make_complaint(State.ASSIGNED)
    ask(complaint, frontline, "500")
    for user in (frontline, manager_b, auditor):
        assert in_queue(user) == set()
        assert approvals_count(user) == 0
        assert complaint.reference not in requests_page(client, user)


def test_beyond_the_managers_limit_the_request_goes_to_the_general_manager(
    clock, client, make_complaint, frontline, manager, gm, committed
):
    complaint = make_complaint(State.ASSIGNED)
    with committed():
        request = ask(complaint, frontline, "9000", "Car damaged in our car park")
    assert request.approver_tier == "gm"
    assert in_queue(gm) == {complaint.reference} and approvals_count(gm) == 1
    assert in_queue(manager) == set() and approvals_count(manager) == 0
    assert complaint.reference in requests_page(client, gm)
    assert complaint.reference not in requests_page(client, manager)
    assert [m.subject for m in mail.outbox if gm.email in m.to] == [
        f"[{complaint.reference}] Approval needed: remedy of 9000"
    ]


def test_a_managers_own_request_goes_to_the_general_manager_never_back_to_them(
    clock, make_complaint, manager, gm
):
    complaint = make_complaint(State.ASSIGNED, handler=manager)
    request = ask(complaint, manager, "6000")
    assert request.approver_tier == "gm"
    assert in_queue(manager) == set()
    assert in_queue(gm) == {complaint.reference}


def test_a_complaint_about_the_department_manager_goes_to_the_general_manager(
    clock, make_complaint, frontline, manager, gm
):
    complaint = make_complaint(State.ASSIGNED, subject_person=manager)
    request = ask(complaint, frontline, "500")
    assert request.approver_tier == "gm"
    assert in_queue(manager) == set()
    assert in_queue(gm) == {complaint.reference}


def test_approving_on_the_complaint_page_clears_the_queue_and_records_the_approver(
    clock, client, make_complaint, frontline, manager
):
    complaint = make_complaint(State.ASSIGNED)
    request = ask(complaint, frontline, "500")
    client.force_login(manager)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert "Approve remedy" in page
    response = client.post(
        f"/complaints/{complaint.reference}/transitions/approve_remedy/",
        {
            "amount": "500",
            "reason": "Double charge confirmed",
            "expected_version": fresh(complaint).version,
        },
    )
    assert response.status_code == 302

    request.refresh_from_db()
    assert request.status == RemedyApproval.Status.APPROVED
    assert request.decided_by == manager and request.decided_at is not None
    assert fresh(complaint).remedy_approved_by == manager
    assert in_queue(manager) == set() and approvals_count(manager) == 0
    assert complaint.reference not in requests_page(client, manager)
    assert [(row.status, row.history_user) for row in request.history.order_by("history_id")][
        -1
    ] == ("approved", manager)
    # The handler can now resolve with the approved remedy.
    resolved = services.resolve(
        fresh(complaint), by=frontline, **{**RESOLUTION, "remedy_amount": Decimal("500")}
    )
    assert resolved.state == State.RESOLVED


def test_a_second_request_supersedes_the_first(clock, make_complaint, frontline, manager, gm):
    complaint = make_complaint(State.ASSIGNED)
    first = ask(complaint, frontline, "500")
    second = ask(complaint, frontline, "6000", "The car was damaged too")
    first.refresh_from_db()
    assert first.status == RemedyApproval.Status.SUPERSEDED
    assert RemedyApproval.objects.filter(status="pending").get() == second
    # The newer amount decides who is asked: now the general manager, and only once.
    assert in_queue(manager) == set()
    assert approvals_count(gm) == 1


@pytest.mark.parametrize("move", ["resolve", "escalate", "reassign", "withdraw"])
def test_a_request_no_longer_waits_once_the_complaint_moves_on(
    clock, make_complaint, frontline, frontline2, manager, move
):
    complaint = make_complaint(State.ASSIGNED)
    request = ask(complaint, frontline, "500")
    if move == "resolve":  # within the frontline's own limit after all
        services.resolve(complaint, by=frontline, **RESOLUTION)
    elif move == "escalate":
        services.escalate(complaint, by=frontline, reason="Needs a manager")
    elif move == "reassign":
        services.assign(complaint, by=manager, assignee=frontline2)
    else:
        services.withdraw(complaint, by=manager, reason_code="withdrawn", explanation="Settled")
    request.refresh_from_db()
    assert request.status == RemedyApproval.Status.SUPERSEDED
    assert in_queue(manager) == set()


def test_reassigning_to_the_same_handler_keeps_the_request(
    clock, make_complaint, frontline, manager
):
    complaint = make_complaint(State.ASSIGNED)
    request = ask(complaint, frontline, "500")
    services.assign(complaint, by=manager, assignee=frontline)
    request.refresh_from_db()
    assert request.status == RemedyApproval.Status.PENDING


def test_refusing_tells_the_requester_and_leaves_a_note(
    clock, client, make_complaint, frontline, manager, committed
):
    complaint = make_complaint(State.ASSIGNED)
    request = ask(complaint, frontline, "500")
    mail.outbox.clear()
    client.force_login(manager)
    with committed():
        response = client.post(
            f"/escalation/remedy-approvals/{request.pk}/refuse/",
            {"note": "A credit of 200 is enough"},
        )
    assert response.status_code == 302 and response["Location"] == REQUESTS
    request.refresh_from_db()
    assert request.status == RemedyApproval.Status.REFUSED and request.decided_by == manager
    assert Note.objects.filter(
        complaint=complaint, author=manager, body__contains="A credit of 200 is enough"
    ).exists()
    assert [m.subject for m in mail.outbox if frontline.email in m.to] == [
        f"[{complaint.reference}] Remedy of 500.00 not approved"
    ]
    assert in_queue(manager) == set()
    assert fresh(complaint).state == State.ASSIGNED  # nothing else moved


def test_refusing_needs_a_reason_and_the_right_person(
    clock, client, make_complaint, frontline, manager, manager_b, gm, auditor
):
    complaint = make_complaint(State.ASSIGNED)
    request = ask(complaint, frontline, "500")
    url = f"/escalation/remedy-approvals/{request.pk}/refuse/"
    client.force_login(manager)
    assert client.get(url).status_code == 405
    assert client.post(url, {"note": ""}).status_code == 400
    client.force_login(auditor)
    assert client.post(url, {"note": "no"}).status_code == 403
    client.force_login(manager_b)
    assert client.post(url, {"note": "no"}).status_code == 404  # not their department
    client.force_login(frontline)
    assert client.post(url, {"note": "no"}).status_code == 403
    # The general manager sees it but it waits for the department manager's decision.
    with pytest.raises(ActionForbidden):
        sla.refuse_remedy_approval(request, by=gm, note="no")
    request.refresh_from_db()
    assert request.status == RemedyApproval.Status.PENDING
    sla.refuse_remedy_approval(request, by=manager, note="no")
    with pytest.raises(TransitionRefused):
        sla.refuse_remedy_approval(request, by=manager, note="again")


def test_the_approvals_count_stays_one_query_with_remedies_waiting(
    clock, make_complaint, frontline, manager, django_assert_num_queries
):
    for _ in range(3):
        ask(make_complaint(State.ASSIGNED), frontline, "500")
    manager = type(manager).objects.get(pk=manager.pk)
    manager.staff_profile  # noqa: B018 - loaded as the request's user would be
    with django_assert_num_queries(1):
        counts = queues.queue_counts(manager)
    assert counts["approvals"] == 3
