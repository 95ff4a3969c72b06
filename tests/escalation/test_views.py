"""The escalation pages: each form's happy path and history row, GET → 405, someone who cannot
see the complaint → 404, an auditor → 403, bad input → 400 with nothing saved, a refusal → its
status with the message; the "due soon" list with a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, Note, State
from escalation import services as sla
from escalation.models import ClockPause, ExtensionRequest
from tests.escalation.conftest import MONDAY_0930

pytestmark = pytest.mark.django_db


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def last_row(complaint: Complaint):
    return complaint.history.order_by("history_id").last()


def url(name: str, complaint: Complaint) -> str:
    return reverse(f"escalation:{name}", kwargs={"reference": complaint.reference})


def login(client, user):
    client.force_login(user)
    return client


MUTATIONS = {
    "escalate": {"reason_code": "demands_manager", "explanation": "Insists"},
    "pause": {"reason_code": "waiting_complainant", "until": "2026-03-02T15:00", "note": "x"},
    "extension": {"proposed_due_at": "2026-03-06T18:00", "reason": "Waiting for the bank"},
    "remedy_approval": {"amount": "1000", "justification": "Charged twice"},
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_form_refuses_get_outsiders_other_departments_and_auditors(
    name, clock, client, make_complaint, outsider, frontline_b, auditor
):
    complaint = make_complaint(State.ASSIGNED)
    before = last_row(complaint).history_id
    assert login(client, outsider).get(url(name, complaint)).status_code == 405
    assert login(client, outsider).post(url(name, complaint), MUTATIONS[name]).status_code == 404
    assert login(client, frontline_b).post(url(name, complaint), MUTATIONS[name]).status_code == 404
    assert login(client, auditor).post(url(name, complaint), MUTATIONS[name]).status_code == 403
    assert last_row(fresh(complaint)).history_id == before
    assert not Note.objects.exists()


def test_a_handler_escalates_from_the_page(clock, client, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    response = login(client, frontline).post(url("escalate", complaint), MUTATIONS["escalate"])
    assert response.status_code == 302 and response.url == url("complaint", complaint)
    complaint = fresh(complaint)
    assert complaint.tier == "manager"
    row = last_row(complaint)
    assert (row.history_transition, row.history_user, row.history_change_reason) == (
        "escalate",
        frontline,
        "The complainant demands a manager: Insists",
    )


def test_an_escalation_without_a_reason_is_a_400_and_saves_nothing(
    clock, client, make_complaint, frontline
):
    complaint = make_complaint(State.ASSIGNED)
    response = login(client, frontline).post(url("escalate", complaint), {"reason_code": "other"})
    assert response.status_code == 400
    assert "Explain why" in response.content.decode()
    assert fresh(complaint).tier == "frontline"


def test_a_refused_escalation_shows_why_with_409(clock, client, make_complaint, gm):
    complaint = make_complaint(State.ASSIGNED)
    services.escalate(complaint, by=gm, reason="up")
    services.escalate(fresh(complaint), by=gm, reason="up")
    response = login(client, gm).post(url("escalate", complaint), MUTATIONS["escalate"])
    assert response.status_code == 409
    assert "already with the general manager" in response.content.decode()


def test_a_stale_escalation_form_is_refused_with_409(
    clock, client, make_complaint, frontline, manager
):
    complaint = make_complaint(State.ASSIGNED)
    services.update_details(
        complaint, by=manager, changes={"complainant_name": "Li Lei"}, reason="typo"
    )
    data = {**MUTATIONS["escalate"], "expected_version": complaint.version}
    response = login(client, frontline).post(url("escalate", complaint), data)
    assert response.status_code == 409
    assert fresh(complaint).tier == "frontline"


def test_stopping_and_restarting_the_clock_from_the_page(clock, client, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    client = login(client, frontline)
    assert client.post(url("pause", complaint), MUTATIONS["pause"]).status_code == 302
    assert fresh(complaint).clock_paused_at == MONDAY_0930
    assert last_row(fresh(complaint)).history_transition == "pause"
    assert client.get(url("resume", complaint)).status_code == 405
    clock.move_to(MONDAY_0930 + dt.timedelta(hours=1))
    assert client.post(url("resume", complaint)).status_code == 302
    assert fresh(complaint).clock_paused_at is None
    assert last_row(fresh(complaint)).history_transition == "resume"
    # Restarting a running clock: refused, with the reason.
    response = client.post(url("resume", complaint))
    assert response.status_code == 409 and "is not stopped" in response.content.decode()


def test_a_pause_in_the_past_is_a_400(clock, client, make_complaint, frontline):
    complaint = make_complaint(State.ASSIGNED)
    data = {**MUTATIONS["pause"], "until": "2026-03-01T12:00"}
    response = login(client, frontline).post(url("pause", complaint), data)
    assert response.status_code == 400
    assert not ClockPause.objects.exists()


def test_an_extension_asked_on_the_page_is_decided_from_the_approvals_queue(
    clock, client, make_complaint, frontline, manager
):
    complaint = make_complaint(State.ASSIGNED)
    response = login(client, frontline).post(url("extension", complaint), MUTATIONS["extension"])
    assert response.status_code == 302
    request = ExtensionRequest.objects.get(complaint=complaint)

    decide = reverse("escalation:decide_extension", kwargs={"pk": request.pk})
    assert login(client, frontline).post(decide, {"approve": "yes"}).status_code == 403
    page = login(client, manager).get(reverse("escalation:requests"))
    assert complaint.reference in page.content.decode()
    assert client.get(decide).status_code == 405
    response = client.post(decide, {"approve": "yes", "note": "OK", "next": "requests"})
    assert response.status_code == 302 and response.url == reverse("escalation:requests")
    complaint = fresh(complaint)
    assert complaint.extension_count == 1
    assert (last_row(complaint).history_transition, last_row(complaint).history_user) == (
        "extend",
        manager,
    )


def test_a_long_pause_is_decided_by_the_manager_and_not_by_an_auditor_or_outsider(
    clock, client, make_complaint, frontline, manager, auditor, outsider
):
    complaint = make_complaint(State.ASSIGNED)
    pause = sla.request_pause(
        complaint,
        by=frontline,
        reason_code="waiting_third_party",
        until=MONDAY_0930 + dt.timedelta(days=10),
    )
    decide = reverse("escalation:decide_pause", kwargs={"pk": pause.pk})
    assert login(client, outsider).post(decide, {"approve": "yes"}).status_code == 403
    assert login(client, auditor).post(decide, {"approve": "yes"}).status_code == 403
    assert login(client, manager).post(decide, {"approve": "maybe"}).status_code == 400
    assert client.post(decide, {"approve": "no", "note": "Call them"}).status_code == 302
    pause.refresh_from_db()
    assert pause.status == ClockPause.Status.REFUSED


def test_asking_for_a_remedy_approval_from_the_page(
    clock, client, make_complaint, frontline, committed
):
    complaint = make_complaint(State.ASSIGNED)
    with committed():
        response = login(client, frontline).post(
            url("remedy_approval", complaint), MUTATIONS["remedy_approval"]
        )
    assert response.status_code == 302
    assert Note.objects.get(complaint=complaint).author == frontline
    response = client.post(
        url("remedy_approval", complaint), {"amount": "100", "justification": "x"}
    )
    assert response.status_code == 409 and "within your own limit" in response.content.decode()


def test_the_deadlines_page_shows_each_deadline_and_the_escalations(
    clock, client, make_complaint, frontline, manager, frontline_b, outsider, committed
):
    from escalation.sweep import sweep

    complaint = make_complaint(State.RECEIVED)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=31))
    with committed():
        sweep()
    page = login(client, manager).get(url("complaint", complaint))
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-key="acceptance"' in body and "deadline-missed" in body
    assert "acceptance deadline missed (was due 2026-03-02 10:00)" in body
    assert 'id="escalate-form"' in body
    # At the manager tier the frontline agent still sees it but no longer handles it; other
    # departments do not even see it.
    as_frontline = login(client, frontline).get(url("complaint", complaint)).content.decode()
    assert complaint.reference in as_frontline and 'id="escalate-form"' not in as_frontline
    assert login(client, frontline_b).get(url("complaint", complaint)).status_code == 404
    assert login(client, outsider).get(url("complaint", complaint)).status_code == 404


def test_due_soon_lists_the_managers_late_and_close_deadlines_in_fixed_queries(
    clock,
    client,
    make_complaint,
    manager,
    manager_b,
    frontline,
    dept_b,
    django_assert_max_num_queries,
):
    late = make_complaint(State.RECEIVED)
    later = make_complaint(State.ASSIGNED)
    other = make_complaint(State.RECEIVED, department=dept_b)
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=40))
    client = login(client, manager)
    with django_assert_max_num_queries(12):
        body = client.get(reverse("escalation:due_soon")).content.decode()
    assert late.reference in body and later.reference in body
    assert other.reference not in body
    assert body.index(late.reference) < body.index(later.reference)  # most urgent first
    assert 'id="breaches"' in body

    for _ in range(8):
        make_complaint(State.RECEIVED)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("escalation:due_soon")).status_code == 200

    other_manager = login(client, manager_b).get(reverse("escalation:due_soon")).content.decode()
    assert other.reference in other_manager and late.reference not in other_manager


def test_due_soon_is_for_staff_only(client, outsider):
    assert login(client, outsider).get(reverse("escalation:due_soon")).status_code == 403
    client.logout()
    assert client.get(reverse("escalation:due_soon")).status_code == 302


def test_the_pages_speak_chinese(clock, client, make_complaint, manager, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    complaint = make_complaint(State.RECEIVED)
    client = login(client, manager)
    assert "即将到期" in client.get(reverse("escalation:due_soon")).content.decode()
    page = client.get(url("complaint", complaint)).content.decode()
    assert "的时限" in page and "暂停计时" in page and "计时中" in page
