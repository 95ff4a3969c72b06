from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from improvement import selectors, services
from improvement.models import ActionState

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_frontline_sees_actions_they_own_and_those_on_complaints_they_see(
    open_action, make_complaint, frontline, frontline_b, manager, gm
):
    mine = open_action()
    other = open_action(owner=manager)
    assert set(selectors.actions_visible_to(frontline)) == {mine}
    assert list(selectors.actions_visible_to(frontline_b)) == []
    assert set(selectors.actions_visible_to(manager)) == {mine, other}
    assert set(selectors.actions_visible_to(gm)) == {mine, other}


def test_frontline_sees_an_action_that_addresses_a_complaint_assigned_to_them(
    open_action, make_complaint, frontline, frontline2, manager
):
    complaint = make_complaint("assigned", handler=frontline2)
    action = open_action(owner=manager, complaints=[complaint])
    assert list(selectors.actions_visible_to(frontline2)) == [action]
    assert list(selectors.actions_visible_to(frontline)) == []


def test_outsider_sees_no_action(open_action, outsider, auditor):
    action = open_action()
    assert list(selectors.actions_visible_to(outsider)) == []
    assert list(selectors.actions_visible_to(auditor)) == [action]


def test_actions_in_period_counts_opened_completed_and_verified_dates(open_action, frontline, gm):
    with time_machine.travel(dt.datetime(2027, 1, 10, 10, tzinfo=dt.UTC), tick=False):
        january = open_action()
        march_done = open_action()
    with time_machine.travel(dt.datetime(2027, 3, 5, 10, tzinfo=dt.UTC), tick=False):
        services.complete(march_done, by=frontline, evidence="Script updated")
    start = dt.datetime(2027, 3, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2027, 4, 1, tzinfo=SHANGHAI)
    assert list(selectors.actions_in_period(gm, start, end)) == [march_done]
    start = dt.datetime(2027, 1, 1, tzinfo=SHANGHAI)
    end = dt.datetime(2027, 2, 1, tzinfo=SHANGHAI)
    assert set(selectors.actions_in_period(gm, start, end)) == {january, march_done}


def test_open_action_causes_leaves_out_verified_and_cancelled(
    open_action, cause, manager, frontline, gm
):
    action = open_action()
    assert list(selectors.open_action_causes()) == [cause.pk]
    services.cancel(action, by=manager, reason="Duplicate of another action")
    assert action.pk and list(selectors.open_action_causes()) == []
    assert type(action).objects.get(pk=action.pk).state == ActionState.CANCELLED
