"""Two sweeps at once (two workers, or a slow run overlapping the next): each overdue action is
escalated once and its notice written once. Real threads on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from escalation.models import Notice
from improvement import sweep
from improvement.models import CorrectiveAction
from tests.api.conftest import join, run_together

DUE = dt.date(2027, 3, 31)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_each_action_once(open_action):
    actions = [open_action(due_on=DUE, title=f"A{n}") for n in range(5)]
    today = DUE + dt.timedelta(days=1)
    threads, results, errors = run_together(lambda: sweep.sweep(today), lambda: sweep.sweep(today))
    join(threads, errors)
    assert sum(r[1] for r in results) == 5
    assert set(CorrectiveAction.objects.values_list("escalation_level", flat=True)) == {1}
    assert Notice.objects.filter(key__startswith="capa-overdue-").count() == len(actions)
    for action in actions:
        assert action.history.filter(history_transition="escalate").count() == 1
