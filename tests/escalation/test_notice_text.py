"""The escalation emails read right in Chinese: a deadline's name slots into "超过…时限", so no
name may end in 时限 itself (it read "超过本层级处理时限时限")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from complaints.models import State
from escalation import sweep as sweeping
from escalation.models import Trigger
from tests.escalation.conftest import MONDAY_0930

pytestmark = pytest.mark.django_db


def test_the_escalation_email_for_a_missed_tier_budget_reads_right_in_chinese(
    clock, make_complaint, manager, committed, settings
):
    settings.LANGUAGE_CODE = "zh-hans"
    complaint = make_complaint(State.ASSIGNED, priority="urgent")
    clock.move_to(MONDAY_0930 + dt.timedelta(minutes=15, seconds=30))
    with committed():
        assert sweeping.sweep().escalated == [
            (complaint.reference, "frontline", "manager", "tier_budget")
        ]

    [message] = [m for m in mail.outbox if manager.email in m.to]
    assert message.subject == f"[{complaint.reference}] 已升级至部门经理：超过时限"
    assert "时限时限" not in message.body
    assert "原因：超过本层级处理时限（2026-03-02 09:45）。" in message.body


@pytest.mark.parametrize("trigger", list(Trigger))
@pytest.mark.parametrize(
    "template",
    [
        "emails/escalation-escalated-body.txt",
        "emails/escalation-breached-subject.txt",
        "emails/escalation-breached-body.txt",
        "emails/escalation-due-soon-body.txt",
    ],
)
def test_no_deadline_name_doubles_a_word_in_any_chinese_escalation_email(
    make_complaint, trigger, template
):
    complaint = make_complaint(State.ASSIGNED)
    context = {
        "complaint": complaint,
        "cause": "deadline",
        "trigger_label": trigger.label,
        "due_at": MONDAY_0930,
        "from_tier_label": "一线",
        "to_tier_label": "部门经理",
        "link": "https://redress.example/x/",
    }
    with translation.override("zh-hans"):
        text = render_to_string(template, context)
        name = str(trigger.label)
    assert "时限时限" not in text
    assert f"{name}时限" in text
