from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from improvement import services
from improvement.models import CorrectiveAction, EscalationLevel

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DUE = dt.date(2027, 3, 31)


def at(day: dt.date, hour: int = 0, minute: int = 30):
    return time_machine.travel(
        dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI), tick=False
    )


def level_of(action) -> int:
    return CorrectiveAction.objects.get(pk=action.pk).escalation_level


def test_an_action_due_today_is_not_escalated(open_action, django_capture_on_commit_callbacks):
    action = open_action(due_on=DUE)
    with at(DUE, 23, 59), django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_actions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert level_of(action) == EscalationLevel.NONE


def test_the_day_after_the_due_date_the_manager_is_told_once(
    open_action, manager, frontline, django_capture_on_commit_callbacks
):
    action = open_action(due_on=DUE)
    # 00:30 on 1 April in Shanghai is still 31 March in UTC: the local day decides.
    with at(DUE + dt.timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        from improvement import sweep

        assert sweep.sweep() == {1: 1, 2: 0}
        assert sweep.sweep() == {1: 0, 2: 0}
    assert level_of(action) == EscalationLevel.MANAGER
    # One mail to each: the department manager and the owner.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, frontline.email])
    assert f"A-{action.pk}" in mail.outbox[0].subject
    row = action.history.latest("history_id")
    assert row.history_transition == "escalate" and row.history_user is None


def test_a_week_late_it_goes_to_the_general_manager_once(
    open_action, gm, manager, frontline, django_capture_on_commit_callbacks
):
    from improvement import sweep

    action = open_action(due_on=DUE)
    with at(DUE + dt.timedelta(days=1)), django_capture_on_commit_callbacks(execute=True):
        sweep.sweep()
    mail.outbox.clear()
    with at(DUE + dt.timedelta(days=7)), django_capture_on_commit_callbacks(execute=True):
        assert sweep.sweep() == {1: 0, 2: 1}
        assert sweep.sweep() == {1: 0, 2: 0}
    assert level_of(action) == EscalationLevel.GM
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [gm.email, manager.email, frontline.email]
    )


def test_done_and_cancelled_actions_are_not_escalated(open_action, frontline, manager):
    from improvement import sweep

    done = services.complete(open_action(due_on=DUE), by=frontline, evidence="Done")
    services.cancel(open_action(due_on=DUE), by=manager, reason="No longer needed")
    with at(DUE + dt.timedelta(days=30)):
        assert sweep.sweep() == {1: 0, 2: 0}
    assert level_of(done) == 0


def test_a_new_due_date_lets_a_late_action_escalate_again(open_action, manager):
    from improvement import sweep

    action = open_action(due_on=DUE)
    with at(DUE + dt.timedelta(days=1)):
        sweep.sweep()
        action = services.edit(
            action, by=manager, due_on=DUE + dt.timedelta(days=10), reason="More time"
        )
    assert action.escalation_level == 0
    with at(DUE + dt.timedelta(days=11)):
        assert sweep.sweep() == {1: 1, 2: 0}
