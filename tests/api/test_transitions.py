"""POST /api/v1/complaints/{reference}/{transition}/: every action, every refusal, and two
writers racing for the same version."""

from __future__ import annotations

import pytest

from complaints.models import Complaint, State, Tier
from tests.api.conftest import RowLock, error_of, join, run_together, url

pytestmark = pytest.mark.django_db

RESOLVE_BODY = {
    "root_cause": "Agent skipped the script",
    "resolution_summary": "Apologised and retrained the agent",
    "substantiated": True,
    "cause": "people-training",
    "remedy": "Goodwill credit",
    "remedy_amount": "50.00",
    "corrective_action": "Script review",
    "reason": "Resolved on the phone",
}


def history_rows(complaint: Complaint):
    return list(complaint.history.order_by("history_date", "history_id"))


# (slug, starting state, persona, body builder, check on the complaint afterwards, history reason)
CASES = [
    (
        "classify",
        State.RECEIVED,
        "manager",
        lambda f: {
            "category": f["category"].pk,
            "priority": "urgent",
            "department": f["dept_a"].pk,
            "reason": "Billing",
        },
        lambda c, f: c.state == State.CLASSIFIED and c.priority == "urgent",
        "Billing",
    ),
    (
        "reject",
        State.RECEIVED,
        "manager",
        lambda f: {"reason_code": "outside_remit", "explanation": "Not ours"},
        lambda c, f: c.state == State.REJECTED and c.reject_reason == "outside_remit",
        "Not ours",
    ),
    (
        "assign",
        State.CLASSIFIED,
        "manager",
        lambda f: {"assignee": f["frontline2"].pk, "reason": "Yours"},
        lambda c, f: c.state == State.ASSIGNED and c.assignee == f["frontline2"],
        "Yours",
    ),
    (
        "resolve",
        State.ASSIGNED,
        "frontline",
        lambda f: RESOLVE_BODY,
        lambda c, f: c.state == State.RESOLVED and str(c.remedy_amount) == "50.00",
        "Resolved on the phone",
    ),
    (
        "approve-remedy",
        State.ASSIGNED,
        "manager",
        lambda f: {"amount": "1000.00", "reason": "Broken appliance"},
        lambda c, f: c.state == State.ASSIGNED and str(c.remedy_approved_amount) == "1000.00",
        "Broken appliance",
    ),
    (
        "follow-up",
        State.RESOLVED,
        "frontline",
        lambda f: {"outcome": "satisfied", "comment": "Happy now"},
        lambda c, f: c.state == State.FOLLOWED_UP and c.follow_up_outcome == "satisfied",
        "Happy now",
    ),
    (
        "reopen",
        "followed_up_dissatisfied",
        "manager",
        lambda f: {"reason": "Still unhappy"},
        lambda c, f: c.state == State.ASSIGNED and c.reopen_count == 1,
        "Still unhappy",
    ),
    (
        "close",
        State.FOLLOWED_UP,
        "manager",
        lambda f: {"reason": "Done"},
        lambda c, f: c.state == State.CLOSED and c.closed_at is not None,
        "Done",
    ),
    (
        "withdraw",
        State.CLASSIFIED,
        "manager",
        lambda f: {"reason_code": "withdrawn", "explanation": "Complainant withdrew"},
        lambda c, f: c.state == State.WITHDRAWN and c.withdraw_reason == "withdrawn",
        "Complainant withdrew",
    ),
    (
        "escalate",
        State.ASSIGNED,
        "frontline",
        lambda f: {"reason": "Wants a manager"},
        lambda c, f: c.state == State.ASSIGNED and c.tier == Tier.MANAGER,
        "Wants a manager",
    ),
]


@pytest.fixture
def personas(request, frontline, frontline2, manager, gm, category, dept_a):
    return {
        "frontline": frontline,
        "frontline2": frontline2,
        "manager": manager,
        "gm": gm,
        "category": category,
        "dept_a": dept_a,
    }


@pytest.fixture
def build(make_complaint):
    def build_in(state):
        if state == "followed_up_dissatisfied":
            return make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
        return make_complaint(state)

    return build_in


@pytest.mark.parametrize(
    ("slug", "state", "persona", "body", "check", "reason"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_each_transition_runs_its_service_and_returns_the_new_complaint(
    api, personas, build, slug, state, persona, body, check, reason
):
    complaint = build(state)
    user = personas[persona]
    response = api(user).post(url(complaint.reference, slug), body(personas), format="json")
    assert response.status_code == 200, response.content
    after = Complaint.objects.get(pk=complaint.pk)
    assert check(after, personas)
    assert after.version == complaint.version + 1
    data = response.json()
    assert data["version"] == after.version
    assert data["state"] == after.state
    assert response["ETag"] == f'"{after.version}"'
    last = history_rows(after)[-1]
    assert last.history_transition == slug.replace("-", "_")
    assert last.history_user == user
    assert last.history_change_reason == reason


REQUIRED = {
    "classify": {"category", "priority", "department"},
    "reject": {"reason_code", "explanation"},
    "assign": {"assignee"},
    "resolve": {"root_cause", "resolution_summary", "substantiated"},
    "approve-remedy": {"amount", "reason"},
    "follow-up": {"outcome"},
    "reopen": {"reason"},
    "close": {"reason"},
    "withdraw": {"reason_code", "explanation"},
    "escalate": {"reason"},
}


@pytest.mark.parametrize("slug", sorted(REQUIRED))
def test_an_empty_body_is_400_naming_each_required_field(api, gm, make_complaint, slug):
    complaint = make_complaint(State.ASSIGNED)
    response = api(gm).post(url(complaint.reference, slug), {}, format="json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == REQUIRED[slug]
    assert Complaint.objects.get(pk=complaint.pk).version == complaint.version


@pytest.mark.parametrize(
    ("slug", "body", "field"),
    [
        ("classify", {"category": "x", "priority": "normal", "department": 1}, "category"),
        ("assign", {"assignee": 10**30}, "assignee"),
        ("resolve", {**RESOLVE_BODY, "remedy_amount": "-1"}, "remedy_amount"),
        ("resolve", {**RESOLVE_BODY, "remedy_amount": "1e400"}, "remedy_amount"),
        ("resolve", {**RESOLVE_BODY, "substantiated": "maybe"}, "substantiated"),
        ("approve-remedy", {"amount": "0", "reason": "x"}, "amount"),
        ("follow-up", {"outcome": "ecstatic"}, "outcome"),
        ("escalate", {"reason": "   "}, "reason"),
        ("escalate", {"reason": " " + "x" * 2000}, "reason"),
        ("escalate", {"reason": "x", "expected_version": 0}, "expected_version"),
        ("withdraw", {"reason_code": "bored", "explanation": "x"}, "reason_code"),
    ],
)
def test_invalid_values_are_400_naming_the_field(api, gm, make_complaint, slug, body, field):
    complaint = make_complaint(State.ASSIGNED)
    response = api(gm).post(url(complaint.reference, slug), body, format="json")
    assert response.status_code == 400
    assert field in error_of(response)["fields"]


def test_an_auditor_as_assignee_is_refused_like_the_staff_form_refuses_it(
    api, manager, auditor, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    response = api(manager).post(
        url(complaint.reference, "assign"), {"assignee": auditor.pk}, format="json"
    )
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["assignee"]


class TestForbidden:
    def test_frontline_may_not_approve_a_remedy(self, api, frontline, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "approve-remedy"),
            {"amount": "100.00", "reason": "x"},
            format="json",
        )
        assert response.status_code == 403
        assert error_of(response)["code"] == "permission_denied"

    def test_frontline_may_not_move_a_complaint_to_another_department(
        self, api, frontline, frontline2, make_complaint, dept_b
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "assign"),
            {"assignee": frontline2.pk, "department": dept_b.pk},
            format="json",
        )
        assert response.status_code == 403
        assert Complaint.objects.get(pk=complaint.pk).department_id != dept_b.pk

    def test_frontline_may_not_reject_a_major_complaint(self, api, frontline, make_complaint):
        complaint = make_complaint(priority="major")
        response = api(frontline).post(
            url(complaint.reference, "reject"),
            {"reason_code": "outside_remit", "explanation": "x"},
            format="json",
        )
        assert response.status_code == 403
        assert Complaint.objects.get(pk=complaint.pk).state == State.RECEIVED

    def test_a_refused_approval_above_the_approvers_own_limit_is_403(
        self, api, manager, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(manager).post(
            url(complaint.reference, "approve-remedy"),
            {"amount": "999999.00", "reason": "Too much"},
            format="json",
        )
        assert response.status_code == 403
        assert "limit" in error_of(response)["message"]


class TestConflicts:
    def test_an_action_the_state_does_not_allow_is_409(self, api, manager, make_complaint):
        complaint = make_complaint(State.RECEIVED)
        response = api(manager).post(
            url(complaint.reference, "close"), {"reason": "x"}, format="json"
        )
        assert response.status_code == 409
        error = error_of(response)
        assert error["code"] == "transition_refused"
        assert error["message"] == "A complaint that is received cannot be closed."

    def test_the_message_speaks_the_users_language(self, api, manager, make_complaint):
        complaint = make_complaint(State.RECEIVED)
        response = api(manager).post(
            url(complaint.reference, "close"),
            {"reason": "x"},
            format="json",
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
        assert error_of(response)["message"] == "状态为“已登记”的投诉不能执行“结案”。"

    def test_a_missing_condition_is_409_with_its_reason(self, api, manager, make_complaint):
        complaint = make_complaint(State.FOLLOWED_UP, outcome="satisfied")
        response = api(manager).post(
            url(complaint.reference, "reopen"), {"reason": "x"}, format="json"
        )
        assert response.status_code == 409
        assert "dissatisfied" in error_of(response)["message"]

    def test_a_remedy_above_the_handlers_limit_needs_approval_first(
        self, api, frontline, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "resolve"),
            {**RESOLVE_BODY, "remedy_amount": "5000.00"},
            format="json",
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "approval_required"
        assert Complaint.objects.get(pk=complaint.pk).state == State.ASSIGNED

    def test_a_stale_expected_version_is_409_and_changes_nothing(
        self, api, manager, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(manager).post(
            url(complaint.reference, "escalate"),
            {"reason": "x", "expected_version": complaint.version - 1},
            format="json",
        )
        assert response.status_code == 409
        assert error_of(response)["code"] == "stale"
        assert Complaint.objects.get(pk=complaint.pk).tier == Tier.FRONTLINE

    def test_if_match_with_the_etag_guards_the_write_the_same_way(
        self, api, manager, frontline, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        client = api(manager)
        etag = client.get(url(complaint.reference))["ETag"]
        # Someone else acts in between.
        api(frontline).post(url(complaint.reference, "escalate"), {"reason": "x"}, format="json")
        stale = client.post(
            url(complaint.reference, "withdraw"),
            {"reason_code": "withdrawn", "explanation": "x"},
            format="json",
            HTTP_IF_MATCH=etag,
        )
        assert stale.status_code == 409
        assert error_of(stale)["code"] == "stale"
        fresh = client.get(url(complaint.reference))["ETag"]
        ok = client.post(
            url(complaint.reference, "withdraw"),
            {"reason_code": "withdrawn", "explanation": "x"},
            format="json",
            HTTP_IF_MATCH=fresh,
        )
        assert ok.status_code == 200

    def test_a_malformed_if_match_is_400(self, api, manager, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(manager).post(
            url(complaint.reference, "escalate"),
            {"reason": "x"},
            format="json",
            HTTP_IF_MATCH="yesterday",
        )
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["If-Match"]


class TestNotFound:
    def test_an_unknown_reference_is_404(self, api, manager):
        response = api(manager).post(url("C-2099-000001", "escalate"), {"reason": "x"})
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    @pytest.mark.parametrize("slug", sorted(REQUIRED))
    def test_a_complaint_of_another_department_is_404_for_every_action(
        self, api, manager_b, make_complaint, slug
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(manager_b).post(url(complaint.reference, slug), {}, format="json")
        assert response.status_code == 404

    def test_get_on_a_transition_is_405(self, api, manager, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(manager).get(url(complaint.reference, "escalate"))
        assert response.status_code == 405
        assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.django_db(transaction=True)
def test_two_writers_with_the_same_version_one_wins_the_other_gets_409(
    api, manager, gm, make_complaint, frontline, frontline2
):
    """Both read version 3 and post at the same moment; the row lock queues them and the
    version check turns the second into a 409 instead of silently overwriting the first."""
    complaint = make_complaint(State.ASSIGNED)
    version = complaint.version
    clients = {"manager": api(manager), "gm": api(gm)}

    def assign(client, to):
        response = client.post(
            url(complaint.reference, "assign"),
            {"assignee": to.pk, "expected_version": version},
            format="json",
        )
        return response.status_code, response.json()

    with RowLock(Complaint.objects.filter(pk=complaint.pk)) as lock:
        threads, results, errors = run_together(
            lambda: assign(clients["manager"], frontline2),
            lambda: assign(clients["gm"], frontline),
        )
        lock.wait_for_waiters(2)
    join(threads, errors)

    statuses = sorted(status for status, _body in results)
    assert statuses == [200, 409]
    loser = next(body for status, body in results if status == 409)
    assert loser["error"]["code"] == "stale"
    after = Complaint.objects.get(pk=complaint.pk)
    assert after.version == version + 1
    winner = next(body for status, body in results if status == 200)
    assert after.assignee.username == winner["assignee"]["username"]
