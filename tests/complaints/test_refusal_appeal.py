"""Appeals against a refusal (不予受理复查): registered within the window, on their own clock,
decided by a manager who did not refuse, upheld or overturned (the original accepted)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import translation

from complaints import refusal_appeals, services
from complaints.models import Complaint, RejectReason, State
from correspondence import rendering
from correspondence.models import MessageTemplate
from correspondence.refusals import refusal_explanation
from intake import services as intake_services

pytestmark = pytest.mark.django_db

# A Monday morning in Beijing, far from any public holiday.
MONDAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def refused(make_complaint, clock):
    """A complaint the department manager (``manager``) refused as outside the remit."""
    return make_complaint(State.REJECTED, complainant_email="li.lei@example.cn")


def appeal_of(original: Complaint, *, by=None) -> Complaint:
    appeal, created = intake_services.register_appeal(
        original, by=by, channel="web", description="The matter is within your remit."
    )
    assert created
    return appeal


def last_history(complaint: Complaint):
    return complaint.history.order_by("-history_date", "-history_id").first()


# --- registration and clock --------------------------------------------------------------


def test_a_refused_complaint_may_be_appealed_within_the_refusal_window(refused, clock, settings):
    settings.REDRESS_REFUSAL_APPEAL_DAYS = 15
    assert intake_services.may_appeal(refused)
    assert intake_services.appeal_deadline(refused) == refused.rejected_at + dt.timedelta(days=15)
    clock.shift(dt.timedelta(days=15, seconds=1))
    assert not intake_services.may_appeal(refused)
    with pytest.raises(intake_services.AppealRefused, match="within 15 days of the refusal"):
        appeal_of(refused)
    assert not Complaint.objects.filter(appeal_of=refused).exists()


def test_staff_register_an_appeal_against_a_refusal_that_goes_to_a_manager(
    refused, frontline, dept_a
):
    appeal = appeal_of(refused, by=frontline)
    assert appeal.appeal_of == refused
    assert appeal.tier == "manager" and appeal.state == State.RECEIVED
    assert appeal.department == dept_a
    assert appeal.complainant_email == "li.lei@example.cn"
    assert refusal_appeals.is_refusal_appeal(appeal)
    # A second registration (the complainant also appealed online) returns the first.
    again, created = intake_services.register_appeal(
        refused, by=None, channel="web", description="Again"
    )
    assert again == appeal and not created


def test_an_appeal_against_a_refusal_runs_on_the_refusal_appeal_policy(refused):
    appeal = appeal_of(refused)
    # 15 working days from receipt (the seeded policy), not the standard 72 hours; no
    # acceptance deadline: the appeal is decided, not accepted.
    assert appeal.acceptance_due_at is None
    assert appeal.resolution_due_at is not None
    assert appeal.resolution_due_at - appeal.received_at >= dt.timedelta(days=19)
    assert appeal.resolution_due_at - appeal.received_at <= dt.timedelta(days=22)


def test_an_appeal_against_an_outcome_is_not_a_refusal_appeal(make_complaint, clock):
    closed = make_complaint(State.CLOSED)
    appeal = appeal_of(closed)
    assert not refusal_appeals.is_refusal_appeal(appeal)
    assert appeal.resolution_due_at - appeal.received_at < dt.timedelta(days=4)


# --- the decision --------------------------------------------------------------------------


def test_the_manager_who_refused_may_not_decide_the_appeal(refused, manager):
    appeal = appeal_of(refused)
    assert not refusal_appeals.may_decide(appeal, manager)
    with pytest.raises(services.ActionForbidden, match="refused .* yourself"):
        refusal_appeals.decide(appeal, by=manager, overturn=True, explanation="Mine")
    assert Complaint.objects.get(pk=refused.pk).state == State.REJECTED


@pytest.mark.parametrize("who", ["frontline", "auditor", "manager_b"])
def test_frontline_auditors_and_other_departments_may_not_decide(refused, request, who):
    appeal = appeal_of(refused)
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        refusal_appeals.decide(appeal, by=user, overturn=True, explanation="No")
    assert Complaint.objects.get(pk=appeal.pk).state == State.RECEIVED


def test_overturning_accepts_the_original_and_starts_its_clock(refused, gm, clock, category):
    appeal = appeal_of(refused)
    clock.shift(dt.timedelta(days=3))
    decided, original = refusal_appeals.decide(
        appeal, by=gm, overturn=True, explanation="It is within our remit.", category=category
    )

    assert decided.state == State.RESOLVED and decided.substantiated is True
    assert decided.resolution_summary == "It is within our remit."
    assert decided.assignee == gm and decided.follow_up_due_at is not None
    assert original.state == State.CLASSIFIED
    assert original.classified_at == MONDAY + dt.timedelta(days=3)
    assert original.category == category
    assert original.resolution_due_at is not None
    assert original.resolution_due_at > original.classified_at
    # The refusal stays on record: when it happened and why.
    assert original.rejected_at is not None and original.reject_reason == "outside_remit"

    row = last_history(original)
    assert (row.history_transition, row.history_user, row.history_change_reason) == (
        "accept_on_appeal",
        gm,
        "It is within our remit.",
    )
    row = last_history(decided)
    assert (row.history_transition, row.history_user) == ("decide_refusal_appeal", gm)
    # Accepted after it was refused: still an appeal against the refusal.
    assert refusal_appeals.is_refusal_appeal(Complaint.objects.get(pk=appeal.pk))


def test_upholding_leaves_the_refusal_and_resolves_the_appeal(refused, gm):
    appeal = appeal_of(refused)
    decided, original = refusal_appeals.decide(
        appeal, by=gm, overturn=False, explanation="The court is dealing with it."
    )
    assert decided.state == State.RESOLVED and decided.substantiated is False
    assert original.state == State.REJECTED
    assert last_history(Complaint.objects.get(pk=refused.pk)).history_transition == "reject"


def test_a_second_manager_of_the_department_decides(refused, dept_a, category):
    from tests.conftest import _staff

    deputy = _staff("deputy", "manager", dept_a)
    appeal = appeal_of(refused)
    assert refusal_appeals.may_decide(appeal, deputy)
    with pytest.raises(services.TransitionRefused, match="A category is required"):
        refusal_appeals.decide(appeal, by=deputy, overturn=True, explanation="Accepted.")
    _decided, original = refusal_appeals.decide(
        appeal, by=deputy, overturn=True, explanation="Accepted.", category=category
    )
    assert original.state == State.CLASSIFIED and original.department == dept_a


def test_a_stale_decision_is_refused(refused, gm):
    appeal = appeal_of(refused)
    with pytest.raises(services.StaleComplaint):
        refusal_appeals.decide(
            appeal, by=gm, overturn=True, explanation="x", expected_version=appeal.version - 1
        )
    assert Complaint.objects.get(pk=refused.pk).state == State.REJECTED


def test_an_appeal_against_an_outcome_cannot_be_decided_as_a_refusal_appeal(make_complaint, gm):
    appeal = appeal_of(make_complaint(State.CLOSED))
    with pytest.raises(services.TransitionRefused, match="Only an appeal against a refusal"):
        refusal_appeals.decide(appeal, by=gm, overturn=True, explanation="x")


def test_a_decided_appeal_cannot_be_decided_again(refused, gm):
    appeal = appeal_of(refused)
    decided, _original = refusal_appeals.decide(appeal, by=gm, overturn=False, explanation="No")
    with pytest.raises(services.TransitionRefused):
        refusal_appeals.decide(decided, by=gm, overturn=True, explanation="Yes after all")


# --- the staff page and the API ------------------------------------------------------------


def url(appeal: Complaint) -> str:
    return f"/complaints/{appeal.reference}/refusal-appeal/"


def test_the_appeal_page_offers_the_decision_and_overturns(client, refused, gm, category):
    appeal = appeal_of(refused)
    client.force_login(gm)
    detail = client.get(f"/complaints/{appeal.reference}/", headers={"Accept-Language": "en"})
    assert url(appeal) in detail.content.decode()
    page = client.get(url(appeal), headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Outside the organisation" in page.content.decode()
    response = client.post(
        url(appeal),
        {
            "outcome": "overturned",
            "explanation": "Within our remit after all.",
            "category": category.pk,
            "expected_version": appeal.version,
        },
    )
    assert response.status_code == 302
    assert Complaint.objects.get(pk=refused.pk).state == State.CLASSIFIED


def test_the_appeal_page_refuses_the_refuser_auditors_outsiders_and_bad_input(
    client, refused, manager, auditor, outsider, gm
):
    appeal = appeal_of(refused)
    data = {"outcome": "upheld", "explanation": "x", "expected_version": appeal.version}
    client.force_login(manager)
    detail = client.get(f"/complaints/{appeal.reference}/").content.decode()
    assert url(appeal) not in detail
    assert client.post(url(appeal), data).status_code == 403
    client.force_login(auditor)
    assert client.post(url(appeal), data).status_code == 403
    client.force_login(outsider)
    assert client.post(url(appeal), data).status_code == 404
    client.force_login(gm)
    assert client.put(url(appeal), data).status_code == 405
    assert client.post(url(appeal), {**data, "outcome": "maybe"}).status_code == 400
    assert Complaint.objects.get(pk=appeal.pk).state == State.RECEIVED


def test_the_api_decides_an_appeal_against_a_refusal(client, refused, gm, manager, category):
    appeal = appeal_of(refused)
    address = f"/api/v1/complaints/{appeal.reference}/decide-refusal-appeal/"
    client.force_login(manager)
    body = {"outcome": "overturned", "explanation": "Within our remit.", "category": category.pk}
    assert client.post(address, body, content_type="application/json").status_code == 403
    client.force_login(gm)
    response = client.post(address, body, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["original"]["state"] == "classified"
    assert response.json()["appeal"]["state"] == "resolved"
    again = client.post(address, body, content_type="application/json")
    assert again.status_code == 409


# --- the public tracking page ---------------------------------------------------------------


def test_the_complainant_asks_for_a_review_of_a_refusal_from_the_tracking_page(client, refused):
    client.post("/track/", {"reference": refused.reference, "tracking_code": refused.tracking_code})
    page = client.get(f"/track/{refused.reference}/", headers={"Accept-Language": "en"})
    assert "ask for it to be reviewed until" in page.content.decode()
    response = client.post(
        f"/track/{refused.reference}/appeal/",
        {"description": "This is your business."},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 302
    appeal = Complaint.objects.get(appeal_of=refused)
    assert refusal_appeals.is_refusal_appeal(appeal) and appeal.tier == "manager"


# --- the refusal reasons and their notice --------------------------------------------------


def test_the_regulator_reason_is_refused_and_explained_to_the_complainant(
    make_complaint, manager, clock
):
    complaint = services.reject(
        make_complaint(), by=manager, reason_code="regulator_handled", explanation="See CBIRC."
    )
    context = rendering.context_for(complaint, language="en")
    assert context["reason"] == "Already handled by a regulator: See CBIRC."
    assert "already been handled by a regulator" in context["reason_explanation"]
    assert context["appeal_window_days"] == "15"
    assert context["appeal_deadline"] == "March 17, 2026"  # 15 days after the refusal
    # The shipped refusal email gives the ground, its explanation and the review deadline.
    template = MessageTemplate.objects.get(purpose="refusal", channel="email", language="en")
    out = rendering.render(
        subject=template.subject, body=template.body, context=context, language="en"
    )
    assert "Reason: Already handled by a regulator: See CBIRC." in out.text
    assert "already been handled by a regulator" in out.text
    assert "by March 17, 2026" in out.text


@pytest.mark.parametrize("reason", [choice.value for choice in RejectReason])
def test_every_refusal_reason_has_its_own_explanation(make_complaint, manager, reason):
    complaint = services.reject(make_complaint(), by=manager, reason_code=reason, explanation="")
    explanation = rendering.context_for(complaint, language="en")["reason_explanation"]
    assert explanation
    others = {refusal_explanation(other) for other in RejectReason.values if other != reason}
    assert explanation not in others


# --- the monthly report ----------------------------------------------------------------------


def test_the_monthly_report_counts_appeals_against_refusals_by_outcome(
    make_complaint, gm, clock, category
):
    from reporting import figures
    from reporting.months import Month

    upheld = appeal_of(make_complaint(State.REJECTED))
    overturned = appeal_of(make_complaint(State.REJECTED))
    pending = appeal_of(make_complaint(State.REJECTED))
    refusal_appeals.decide(upheld, by=gm, overturn=False, explanation="It stands.")
    refusal_appeals.decide(overturned, by=gm, overturn=True, explanation="No.", category=category)

    march = figures.month_bundle(Complaint.objects.all(), Month(2026, 3))["figures"]
    assert (march["refusal_appeals_upheld"], march["refusal_appeals_overturned"]) == (1, 1)
    april = figures.month_bundle(Complaint.objects.all(), Month(2026, 4))["figures"]
    assert (april["refusal_appeals_upheld"], april["refusal_appeals_overturned"]) == (0, 0)
    assert pending.state == State.RECEIVED


def test_the_api_refuses_with_the_regulator_reason(client, make_complaint, manager):
    complaint = make_complaint()
    client.force_login(manager)
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/reject/",
        {"reason_code": "regulator_handled", "explanation": "The regulator decided in May."},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["reject_reason"] == "regulator_handled"


def test_an_overturned_refusal_goes_to_the_department_s_complaint_handler(
    refused, gm, dept_a, frontline, category
):
    dept_a.complaint_handler = frontline
    dept_a.save()
    appeal = appeal_of(refused)
    _decided, original = refusal_appeals.decide(
        appeal, by=gm, overturn=True, explanation="Accepted.", category=category
    )
    assert original.state == State.ASSIGNED and original.assignee == frontline
    assert Complaint.objects.get(pk=refused.pk).assignee == frontline
