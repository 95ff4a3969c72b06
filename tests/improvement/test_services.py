from __future__ import annotations

import pytest

from complaints.models import State
from improvement import services
from improvement.models import ActionComplaint, ActionState, CorrectiveAction

pytestmark = pytest.mark.django_db


def _in_state(open_action, state, frontline, manager):
    action = open_action()
    if state == ActionState.PLANNED:
        return action
    if state == ActionState.CANCELLED:
        return services.cancel(action, by=manager, reason="Not needed")
    action = services.start(action, by=frontline)
    if state == ActionState.IN_PROGRESS:
        return action
    action = services.complete(action, by=frontline, evidence="Script updated, team briefed")
    if state == ActionState.DONE:
        return action
    return services.verify(action, by=manager, note="Checked ten calls")


def test_the_whole_lifecycle_records_each_step_with_its_user(
    open_action, make_complaint, frontline, manager, dept_a
):
    complaints = [make_complaint(State.CLASSIFIED) for _ in range(2)]
    action = open_action(complaints=complaints)
    assert action.state == ActionState.PLANNED and action.opened_by == manager
    action = services.start(action, by=frontline)
    action = services.complete(action, by=frontline, evidence="Script updated")
    action = services.verify(action, by=manager, note="Checked")
    assert action.state == ActionState.VERIFIED
    assert action.started_at and action.completed_at and action.verified_at
    assert action.verified_by == manager and action.version == 4
    rows = list(action.history.order_by("history_id"))
    assert [r.history_transition for r in rows] == ["open", "start", "complete", "verify"]
    assert [r.history_user for r in rows] == [manager, frontline, frontline, manager]
    assert ActionComplaint.history.filter(history_transition="link").count() == 2


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        (ActionState.PLANNED, {"start", "complete", "cancel"}),
        (ActionState.IN_PROGRESS, {"complete", "cancel"}),
        (ActionState.DONE, {"verify", "cancel"}),
        (ActionState.VERIFIED, set()),
        (ActionState.CANCELLED, set()),
    ],
)
def test_each_move_is_refused_from_a_state_that_does_not_allow_it(
    open_action, frontline, manager, state, allowed
):
    calls = {
        "start": lambda a: services.start(a, by=frontline),
        "complete": lambda a: services.complete(a, by=frontline, evidence="Done"),
        "verify": lambda a: services.verify(a, by=manager),
        "cancel": lambda a: services.cancel(a, by=manager, reason="Stop"),
    }
    for name, call in calls.items():
        action = _in_state(open_action, state, frontline, manager)
        if name in allowed:
            call(action)
        else:
            with pytest.raises(services.TransitionRefused):
                call(action)


def test_completing_without_evidence_is_refused_and_saves_nothing(open_action, frontline):
    action = open_action()
    with pytest.raises(services.TransitionRefused, match="evidence"):
        services.complete(action, by=frontline, evidence="  ")
    assert CorrectiveAction.objects.get(pk=action.pk).state == ActionState.PLANNED


def test_the_owner_cannot_verify_their_own_action(open_action, manager, gm):
    action = open_action(owner=manager)
    action = services.complete(action, by=manager, evidence="Done it")
    with pytest.raises(services.TransitionRefused, match="owner of an action cannot verify"):
        services.verify(action, by=manager)
    assert services.verify(action, by=gm).state == ActionState.VERIFIED


def test_only_the_owner_starts_and_completes(open_action, frontline2, manager):
    action = open_action()
    with pytest.raises(services.ActionForbidden):
        services.start(action, by=frontline2)
    with pytest.raises(services.ActionForbidden):
        services.complete(action, by=manager, evidence="x")


def test_a_manager_of_another_department_and_an_auditor_change_nothing(
    open_action, manager_b, auditor, frontline, cause, dept_a
):
    action = services.complete(open_action(), by=frontline, evidence="Done")
    for user in (manager_b, auditor):
        with pytest.raises(services.ActionForbidden):
            services.verify(action, by=user)
        with pytest.raises(services.ActionForbidden):
            services.cancel(action, by=user, reason="No")
    with pytest.raises(services.ActionForbidden):
        services.open_action(
            by=manager_b,
            title="x",
            cause=cause,
            owner=frontline,
            department=dept_a,
            due_on=action.due_on,
        )


def test_cancel_needs_a_reason(open_action, manager):
    action = open_action()
    with pytest.raises(services.TransitionRefused, match="reason"):
        services.cancel(action, by=manager, reason="")
    action = services.cancel(action, by=manager, reason="Merged into another action")
    assert action.cancel_reason == "Merged into another action" and action.cancelled_at


def test_a_stale_copy_is_refused(open_action, frontline, manager):
    action = open_action()
    services.edit(action, by=manager, title="Better title", expected_version=1)
    with pytest.raises(services.StaleAction):
        services.start(action, by=frontline, expected_version=1)
    assert services.start(action, by=frontline, expected_version=2).version == 3


def test_linking_is_refused_for_a_complaint_the_manager_cannot_see(
    open_action, make_complaint, manager, manager_b, dept_b, frontline_b
):
    theirs = make_complaint(State.RECEIVED, department=dept_b, by=frontline_b)
    with pytest.raises(services.ActionForbidden, match="complaints you can see"):
        open_action(complaints=[theirs])
    assert CorrectiveAction.objects.count() == 0


def test_link_and_unlink_keep_history(open_action, make_complaint, manager):
    one, two = make_complaint(State.CLASSIFIED), make_complaint(State.CLASSIFIED)
    action = open_action(complaints=[one])
    assert services.link_complaints(action, by=manager, complaints=[one, two]) == 1
    assert services.unlink_complaint(action, by=manager, complaint=one)
    assert list(action.complaints.all()) == [two]
    assert ActionComplaint.history.filter(history_type="-", complaint_id=one.pk).exists()


def test_a_move_writes_back_only_the_columns_it_changed(open_action, frontline, manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    action = open_action()
    with CaptureQueriesContext(connection) as queries:
        services.start(action, by=frontline)
    [update] = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "improvement_')]
    columns = update.split(" SET ")[1].split(" WHERE ")[0]
    assert [c.split(" = ")[0] for c in columns.split(", ")] == [
        '"state"',
        '"version"',
        '"started_at"',
    ]
    action = services.edit(action, by=manager, title="Retrain the call team")
    assert CorrectiveAction.objects.get(pk=action.pk).title == "Retrain the call team"
