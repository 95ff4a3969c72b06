"""A backlog of missed deadlines is escalated by several threads, each complaint once, each in
its own transaction (committed data: the threads have their own connections)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from complaints.models import Complaint, State
from escalation.models import Escalation
from escalation.sweep import sweep


@pytest.mark.django_db(transaction=True)
def test_a_backlog_is_escalated_once_by_several_threads(shipped_defaults, make_complaint, settings):
    settings.ESCALATION_SWEEP_THREADS = 3
    two_hours_ago = timezone.now() - dt.timedelta(hours=2)
    complaints = [make_complaint(State.RECEIVED, received_at=two_hours_ago) for _ in range(14)]
    first = sweep()
    second = sweep()
    assert sorted(reference for reference, *_ in first.escalated) == sorted(
        c.reference for c in complaints
    )
    assert second.escalated == [] and first.skipped == []
    assert Escalation.objects.count() == 14
    assert set(Complaint.objects.values_list("tier", flat=True)) == {"manager"}
