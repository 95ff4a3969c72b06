"""Contesting a responsibility finding (责任认定申诉): once, by the person named, in time; decided
by a manager of the responsible department or the GM, audited, and told to those concerned."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from complaints import accountability
from complaints.models import Complaint, ResponsibilityContest, State
from complaints.services import ActionForbidden

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
FOUND = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def notices_in_process(settings):
    settings.ESCALATION_TASKS_SYNC = True
    settings.LANGUAGE_CODE = "en"
    settings.REDRESS_CONTEST_DAYS = 15


@pytest.fixture
def finding(make_complaint, frontline, dept_a):
    """A resolved, substantiated complaint whose finding names ``frontline`` (the resolution
    service records this; here the fields are written directly)."""

    def build(person=None, department=None, found_at=FOUND) -> Complaint:
        with time_machine.travel(found_at, tick=False):
            complaint = make_complaint(State.RESOLVED)
        Complaint.objects.filter(pk=complaint.pk).update(
            responsible_department=department or dept_a,
            responsible_person=person or frontline,
            responsibility_finding="Skipped the verification script",
            responsibility_found_at=found_at,
        )
        return Complaint.objects.get(pk=complaint.pk)

    return build


def api_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def contest_in_time(complaint, user, reason="I was on leave that day"):
    with time_machine.travel(FOUND + dt.timedelta(days=3), tick=False):
        return accountability.contest(complaint, by=user, reason=reason)


# --- the services -------------------------------------------------------------------------------


def test_the_named_person_contests_once_and_the_contest_is_audited(finding, frontline):
    complaint = finding()
    contest = contest_in_time(complaint, frontline)
    assert contest.contested_by == frontline
    row = contest.history.get()
    assert row.history_user == frontline
    assert row.history_change_reason == "I was on leave that day"
    with pytest.raises(accountability.ContestRefused, match="only once"):
        contest_in_time(complaint, frontline, reason="Again")
    assert ResponsibilityContest.objects.count() == 1


def test_someone_not_named_cannot_contest(finding, frontline2, manager):
    complaint = finding()
    for user in (frontline2, manager):
        with pytest.raises(ActionForbidden):
            contest_in_time(complaint, user)
    assert not ResponsibilityContest.objects.exists()


@pytest.mark.parametrize(
    ("days", "allowed"),
    [(dt.timedelta(days=15), True), (dt.timedelta(days=15, seconds=1), False)],
)
def test_a_finding_may_be_contested_for_the_configured_calendar_days(
    finding, frontline, days, allowed
):
    complaint = finding()
    with time_machine.travel(FOUND + days, tick=False):
        if allowed:
            accountability.contest(complaint, by=frontline, reason="Not me")
        else:
            with pytest.raises(accountability.ContestRefused, match="2026-11-17"):
                accountability.contest(complaint, by=frontline, reason="Not me")
    assert ResponsibilityContest.objects.exists() is allowed


def test_the_contest_days_are_a_setting(finding, frontline, settings):
    settings.REDRESS_CONTEST_DAYS = 2
    with pytest.raises(accountability.ContestRefused):
        contest_in_time(finding(), frontline)


def test_an_overturned_finding_clears_the_person_with_who_and_why_in_history(
    finding, frontline, manager
):
    complaint = finding()
    contest = contest_in_time(complaint, frontline)
    accountability.decide_contest(
        contest, by=manager, outcome="overturned", note="The rota shows leave"
    )
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.responsible_person is None
    assert complaint.responsibility_finding == ""
    assert complaint.responsible_department_id is not None
    last = complaint.history.order_by("-history_id").first()
    assert last.history_user == manager
    assert last.history_change_reason == "The rota shows leave"
    assert last.history_transition == "overturn_responsibility"
    decided = ResponsibilityContest.objects.get()
    assert (decided.outcome, decided.decided_by) == ("overturned", manager)
    assert decided.history.order_by("-history_id").first().history_user == manager


def test_an_upheld_finding_changes_nothing_on_the_complaint(finding, frontline, gm):
    complaint = finding()
    contest = contest_in_time(complaint, frontline)
    history_rows = complaint.history.count()
    accountability.decide_contest(contest, by=gm, outcome="upheld", note="Confirmed by CCTV")
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.responsible_person == frontline
    assert complaint.history.count() == history_rows


def test_only_a_manager_of_the_responsible_department_or_the_gm_decides(
    finding, frontline, manager_b, auditor, frontline2
):
    contest = contest_in_time(finding(), frontline)
    for user in (manager_b, auditor, frontline2):
        with pytest.raises(ActionForbidden):
            accountability.decide_contest(contest, by=user, outcome="upheld", note="No")
    assert ResponsibilityContest.objects.get().decided_at is None


def test_a_manager_named_in_the_finding_never_decides_their_own_contest(finding, manager):
    contest = contest_in_time(finding(person=manager), manager)
    with pytest.raises(ActionForbidden):
        accountability.decide_contest(contest, by=manager, outcome="overturned", note="Mine")


def test_a_contest_is_decided_once(finding, frontline, manager, gm):
    contest = contest_in_time(finding(), frontline)
    accountability.decide_contest(contest, by=manager, outcome="upheld", note="Stands")
    with pytest.raises(accountability.ContestRefused, match="already been decided"):
        accountability.decide_contest(contest, by=gm, outcome="overturned", note="Late")


def test_the_manager_is_told_of_the_contest_and_the_person_of_the_decision(
    finding, frontline, manager, django_capture_on_commit_callbacks
):
    complaint = finding()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contest = contest_in_time(complaint, frontline)
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert complaint.reference in mail.outbox[0].subject
    assert "I was on leave that day" in mail.outbox[0].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accountability.decide_contest(contest, by=manager, outcome="overturned", note="Leave")
    assert [m.to for m in mail.outbox] == [[frontline.email]]
    assert "overturned" in mail.outbox[0].subject.lower()


# --- the pages ----------------------------------------------------------------------------------


def test_my_findings_page_offers_the_contest_form_while_allowed(client, finding, frontline):
    complaint = finding()
    client.force_login(frontline)
    with time_machine.travel(FOUND + dt.timedelta(days=1), tick=False):
        page = client.get("/accountability/mine/").content.decode()
    assert complaint.reference in page and "Skipped the verification script" in page
    assert f"/accountability/mine/{complaint.reference}/contest/" in page
    with time_machine.travel(FOUND + dt.timedelta(days=20), tick=False):
        page = client.get("/accountability/mine/").content.decode()
    assert "/contest/" not in page and "The time to contest has ended." in page


def test_contesting_from_the_page_then_deciding_from_the_contests_page(
    client, finding, frontline, manager
):
    complaint = finding()
    client.force_login(frontline)
    with time_machine.travel(FOUND + dt.timedelta(days=1), tick=False):
        response = client.post(
            f"/accountability/mine/{complaint.reference}/contest/", {"reason": "Not on shift"}
        )
    assert response.status_code == 302
    client.force_login(manager)
    page = client.get("/accountability/contests/").content.decode()
    assert "Not on shift" in page
    contest = ResponsibilityContest.objects.get()
    response = client.post(
        f"/accountability/contests/{contest.pk}/decide/",
        {"outcome": "overturned", "note": "Rota confirms"},
    )
    assert response.status_code == 302
    detail = client.get(complaint.get_absolute_url()).content.decode()
    assert "Finding overturned" in detail and "Rota confirms" in detail
    assert "Responsibility finding overturned" in detail  # the timeline's entry


def test_the_pages_refuse_get_on_mutations_and_frontline_on_the_contests_page(
    client, finding, frontline, auditor
):
    complaint = finding()
    client.force_login(frontline)
    assert client.get(f"/accountability/mine/{complaint.reference}/contest/").status_code == 405
    assert client.get("/accountability/contests/").status_code == 403
    client.force_login(auditor)
    assert client.get("/accountability/contests/").status_code == 200


def test_an_outsider_cannot_find_a_complaint_to_contest(client, finding, outsider):
    complaint = finding()
    client.force_login(outsider)
    response = client.post(f"/accountability/mine/{complaint.reference}/contest/", {"reason": "x"})
    assert response.status_code == 404


def test_my_findings_page_has_a_fixed_number_of_queries(
    client, finding, frontline, django_assert_max_num_queries
):
    for _ in range(4):
        finding()
    client.force_login(frontline)
    with (
        time_machine.travel(FOUND + dt.timedelta(days=1), tick=False),
        django_assert_max_num_queries(8),
    ):
        response = client.get("/accountability/mine/")
    assert response.content.decode().count("contest-form") == 4


# --- the API -------------------------------------------------------------------------------------


def test_the_api_contests_and_decides_with_the_same_rules(finding, frontline, manager):
    complaint = finding()
    with time_machine.travel(FOUND + dt.timedelta(days=1), tick=False):
        response = api_for(frontline).post(
            f"/api/v1/complaints/{complaint.reference}/contest/",
            {"reason": "Not me"},
            format="json",
        )
        assert response.status_code == 201, response.content
        again = api_for(frontline).post(
            f"/api/v1/complaints/{complaint.reference}/contest/",
            {"reason": "Again"},
            format="json",
        )
        assert again.status_code == 409
    contest_id = response.json()["id"]
    bad = api_for(manager).post(
        f"/api/v1/contests/{contest_id}/decide/", {"outcome": "maybe"}, format="json"
    )
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"outcome", "note"}
    decided = api_for(manager).post(
        f"/api/v1/contests/{contest_id}/decide/",
        {"outcome": "upheld", "note": "Stands"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["outcome"] == "upheld"
    stale = api_for(manager).post(
        f"/api/v1/contests/{contest_id}/decide/",
        {"outcome": "overturned", "note": "Changed my mind"},
        format="json",
    )
    assert stale.status_code == 409


def test_the_api_refuses_auditors_and_hides_contests_from_outsiders(
    finding, frontline, auditor, frontline_b
):
    complaint = finding()
    contest = contest_in_time(complaint, frontline)
    response = api_for(auditor).post(
        f"/api/v1/contests/{contest.pk}/decide/", {"outcome": "upheld", "note": "x"}, format="json"
    )
    assert response.status_code == 403
    response = api_for(frontline_b).post(
        f"/api/v1/contests/{contest.pk}/decide/", {"outcome": "upheld", "note": "x"}, format="json"
    )
    assert response.status_code == 404


# --- the admin -----------------------------------------------------------------------------------


def test_the_admin_shows_contests_read_only_and_scoped(client, finding, frontline, gm, manager_b):
    contest = contest_in_time(finding(), frontline)
    for user in (gm, manager_b):
        user.is_staff = True
        user.save()
    client.force_login(gm)
    page = client.get(f"/admin/complaints/responsibilitycontest/{contest.pk}/change/")
    assert page.status_code == 200 and "I was on leave that day" in page.content.decode()
    assert "/delete/" not in page.content.decode()
    deleted = client.post(f"/admin/complaints/responsibilitycontest/{contest.pk}/delete/")
    assert deleted.status_code == 403
    client.force_login(manager_b)
    page = client.get(f"/admin/complaints/responsibilitycontest/{contest.pk}/change/")
    assert page.status_code == 404
    assert ResponsibilityContest.objects.filter(pk=contest.pk).exists()


def test_the_complaint_page_shows_a_finding_and_its_contest_in_one_more_query(
    client, finding, make_complaint, frontline, manager
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plain = make_complaint(State.RESOLVED)
    contested = finding()
    contest_in_time(contested, frontline)
    client.force_login(manager)
    client.get(plain.get_absolute_url())  # warm the caches (queue counts, calendars)
    counts = []
    for complaint in (plain, contested):
        with CaptureQueriesContext(connection) as queries:
            page = client.get(complaint.get_absolute_url()).content.decode()
        counts.append(len(queries))
    assert "I was on leave that day" in page and "Skipped the verification script" in page
    assert counts[1] <= counts[0] + 1, counts


def test_a_contest_by_the_department_manager_goes_to_the_general_manager(
    finding, manager, gm, django_capture_on_commit_callbacks
):
    complaint = finding(person=manager)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contest_in_time(complaint, manager)
    assert [m.to for m in mail.outbox] == [[gm.email]]


def test_the_contest_and_its_decision_are_sealed_in_the_complaint_audit_chain(
    client, finding, frontline, manager, auditor
):
    from reporting import audit

    complaint = finding()
    contest = contest_in_time(complaint, frontline)
    accountability.decide_contest(contest, by=manager, outcome="overturned", note="Rota")
    records = audit.AuditRecord.objects.filter(complaint=complaint, model="contest")
    assert list(records.order_by("seq").values_list("action", "user_id")) == [
        ("contest_responsibility", frontline.pk),
        ("decide_contest", manager.pk),
    ]
    assert audit.verify([complaint.pk]).breaks == {}
    client.force_login(auditor)
    page = client.get(f"/complaints/{complaint.reference}/history/").content.decode()
    assert "Responsibility finding contested" in page and "Contest decided" in page
    assert "Responsibility finding overturned" in page


@pytest.mark.parametrize("state", [State.RESOLVED, State.FOLLOWED_UP, State.CLOSED])
def test_a_finding_may_be_contested_whatever_the_state_after_resolution(
    make_complaint, frontline, manager, dept_a, state
):
    with time_machine.travel(FOUND, tick=False):
        complaint = make_complaint(state)
    Complaint.objects.filter(pk=complaint.pk).update(
        responsible_department=dept_a,
        responsible_person=frontline,
        responsibility_finding="Late callback",
        responsibility_found_at=FOUND,
    )
    contest = contest_in_time(Complaint.objects.get(pk=complaint.pk), frontline)
    accountability.decide_contest(contest, by=manager, outcome="overturned", note="Rota")
    after = Complaint.objects.get(pk=complaint.pk)
    assert (after.state, after.responsible_person_id) == (state, None)


@pytest.mark.parametrize(
    ("persona", "links"),
    [
        ("frontline", {"findings", "accountability"}),
        ("manager", {"findings", "contests", "accountability"}),
        ("gm", {"findings", "contests", "accountability"}),
    ],
)
def test_the_queues_menu_leads_to_the_accountability_pages(request, client, persona, links):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/").content.decode()
    for key in {"findings", "contests", "accountability"}:
        assert (f'data-deadlines="{key}"' in page) is (key in links), key


def test_the_contests_page_has_a_fixed_number_of_queries(
    client, finding, frontline, manager, django_assert_max_num_queries
):
    for _ in range(4):
        contest_in_time(finding(), frontline)
    client.force_login(manager)
    client.get("/accountability/contests/")  # warm the navigation's cached counts
    with django_assert_max_num_queries(8):
        response = client.get("/accountability/contests/")
    assert response.content.decode().count("decide-form") == 4


def test_who_may_read_a_finding_is_one_rule_in_the_core(
    finding, frontline, frontline2, manager, manager_b, gm, auditor, dept_b
):
    """``findings_visible_to``: the accountability table and "Findings about me" read it. A
    finding naming another unit is that unit's manager's, even on a complaint handled here."""
    from complaints.selectors import findings_visible_to

    ours = finding()
    theirs = finding(department=dept_b, person=frontline2)

    def seen(user) -> set[int]:
        return set(findings_visible_to(user).values_list("pk", flat=True))

    assert seen(gm) >= {ours.pk, theirs.pk}
    assert seen(auditor) >= {ours.pk, theirs.pk}
    assert ours.pk in seen(manager) and theirs.pk not in seen(manager)
    assert theirs.pk in seen(manager_b) and ours.pk not in seen(manager_b)
    assert seen(frontline) == {ours.pk}
    assert seen(frontline2) == {theirs.pk}
