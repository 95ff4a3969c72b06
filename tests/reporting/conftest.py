"""A known month of complaints, built through the services with the clock moved.

March 2026 (Asia/Shanghai), with February 2026 and March 2025 beside it. Every figure of the
report is worked out by hand in ``test_figures.py`` from this script. 2026-02-28 is a Saturday
worked in lieu of the Spring Festival (调休), which the working-hours figures must count.

    A  dept A, phone, normal. Received Mon 03-02 10:00, answered by phone 14:00, resolved
       Tue 03-03 11:00 (remedy 50, substantiated), satisfied 03-04, closed 03-04.
       Resolution due 03-05 10:00 (on time); one deadline extension.
    B  dept A, phone, MAJOR (manager tier). Received Fri 03-06 17:00, resolved Mon 03-09 10:00
       (not substantiated, no remedy), dissatisfied 03-10 10:00, reopened 03-10 11:00, resolved
       again Thu 03-12 10:00, basically satisfied 03-13, closed 03-13. Due 03-08 17:00 (late).
    C  dept A, phone, normal. Received Fri 02-27 16:00 (February), resolved Mon 03-02 09:30,
       never followed up. No resolution deadline.
    D  received 03-10 09:00, rejected 09:30.
    E  received 03-20 09:00, withdrawn 03-21 09:00.
    F  received Tue 03-31 23:30, accepted Wed 04-01 00:10 (April): open at the end of March.
    G  email, a repeat of A. Received 03-15, escalated to the manager 03-16 and to the general
       manager 03-17, still assigned at month end.
    H  received 2025-03-10 and never handled (the same month last year; open ever since).
    I  dept B, web, urgent, other category. Received Thu 03-05 10:00, resolved 15:30 (remedy 150),
       unreachable at follow-up 03-06, closed 03-07. Due 03-06 09:00 (on time).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import services
from complaints.models import Complaint

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=9, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def organisation_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.LANGUAGE_CODE = "en"


@dataclass
class Month:
    A: Complaint
    B: Complaint
    C: Complaint
    D: Complaint
    E: Complaint
    F: Complaint
    G: Complaint
    H: Complaint
    I: Complaint  # noqa: E741 - the script's letters


def resolution(**overrides):
    values = {
        "root_cause": "Agent skipped the script",
        "resolution_summary": "Apologised and retrained the agent",
        "substantiated": True,
        "cause": "people-training",
        "remedy": "Goodwill credit",
        "remedy_amount": Decimal("50.00"),
        "corrective_action": "Script review",
    }
    values.update(overrides)
    return values


class Clock:
    """Each call runs one service at a given local time."""

    def __call__(self, moment: dt.datetime, action, *args, **kwargs):
        with time_machine.travel(moment, tick=False):
            return action(*args, **kwargs)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def deadlines(complaint, *, by, due=None, extensions=0):
    """The escalation app computes due times from its policies at every move; the script pins
    them last, so the figures do not depend on those policies."""
    return services.set_deadlines(
        complaint,
        by=by,
        action="set_deadlines",
        reason="Test script",
        resolution_due_at=due,
        extension_count=extensions,
    )


@pytest.fixture
def march(
    db,
    clock,
    frontline,
    frontline_b,
    manager,
    manager_b,
    gm,
    category,
    other_category,
    dept_a,
    dept_b,
) -> Month:
    s = services

    # A
    a = clock(
        at(2026, 3, 2, 10),
        s.register,
        by=frontline,
        channel="phone",
        description="A",
        complainant_name="王芳",
        complainant_phone="13800138000",
    )
    a = clock(
        at(2026, 3, 2, 10, 30),
        s.classify,
        a,
        by=manager,
        category=category,
        priority="normal",
        department=dept_a,
    )
    a = clock(at(2026, 3, 2, 10, 45), s.assign, a, by=manager, assignee=frontline)
    clock(
        at(2026, 3, 2, 14),
        s.log_communication,
        a,
        by=frontline,
        medium="call",
        direction="out",
        summary="Called back",
        occurred_at=at(2026, 3, 2, 14),
    )
    a = Complaint.objects.get(pk=a.pk)
    a = clock(at(2026, 3, 3, 11), s.resolve, a, by=frontline, **resolution())
    a = clock(at(2026, 3, 4, 10), s.follow_up, a, by=frontline, outcome="satisfied")
    a = clock(at(2026, 3, 4, 11), s.close, a, by=manager, reason="Done")
    a = clock(at(2026, 3, 4, 12), deadlines, a, by=manager, due=at(2026, 3, 5, 10), extensions=1)

    # B (major: starts at the manager tier)
    b = clock(
        at(2026, 3, 6, 17),
        s.register,
        by=frontline,
        channel="phone",
        description="B",
        priority="major",
    )
    b = clock(
        at(2026, 3, 6, 17, 10),
        s.classify,
        b,
        by=manager,
        category=category,
        priority="major",
        department=dept_a,
    )
    b = clock(at(2026, 3, 6, 17, 20), s.assign, b, by=manager, assignee=manager)
    b = clock(
        at(2026, 3, 9, 10),
        s.resolve,
        b,
        by=manager,
        **resolution(substantiated=False, remedy="", remedy_amount=Decimal("0")),
    )
    b = clock(at(2026, 3, 10, 10), s.follow_up, b, by=manager, outcome="dissatisfied")
    b = clock(at(2026, 3, 10, 11), s.reopen, b, by=manager, reason="Not satisfied")
    b = clock(
        at(2026, 3, 12, 10),
        s.resolve,
        b,
        by=manager,
        **resolution(substantiated=False, remedy="", remedy_amount=Decimal("0")),
    )
    b = clock(at(2026, 3, 13, 10), s.follow_up, b, by=manager, outcome="basically_satisfied")
    b = clock(at(2026, 3, 13, 11), s.close, b, by=manager, reason="Done")
    b = clock(at(2026, 3, 13, 12), deadlines, b, by=manager, due=at(2026, 3, 8, 17))

    # C (received in February)
    c = clock(at(2026, 2, 27, 16), s.register, by=frontline, channel="phone", description="C")
    c = clock(
        at(2026, 2, 27, 16, 10),
        s.classify,
        c,
        by=manager,
        category=category,
        priority="normal",
        department=dept_a,
    )
    c = clock(at(2026, 2, 27, 16, 20), s.assign, c, by=manager, assignee=frontline)
    c = clock(at(2026, 3, 2, 9, 30), s.resolve, c, by=frontline, **resolution())
    c = clock(at(2026, 3, 2, 9, 40), deadlines, c, by=manager, due=None)

    # D, E, F
    d = clock(at(2026, 3, 10, 9), s.register, by=frontline, channel="phone", description="D")
    d = clock(
        at(2026, 3, 10, 9, 30),
        s.reject,
        d,
        by=manager,
        reason_code="outside_remit",
        explanation="Not ours",
    )
    e = clock(at(2026, 3, 20, 9), s.register, by=frontline, channel="phone", description="E")
    e = clock(
        at(2026, 3, 21, 9),
        s.withdraw,
        e,
        by=manager,
        reason_code="withdrawn",
        explanation="Withdrawn by phone",
    )
    f = clock(at(2026, 3, 31, 23, 30), s.register, by=frontline, channel="phone", description="F")
    f = clock(
        at(2026, 4, 1, 0, 10),
        s.classify,
        f,
        by=manager,
        category=category,
        priority="normal",
        department=dept_a,
    )

    # G (repeat of A, escalated twice)
    g = clock(
        at(2026, 3, 15, 9),
        s.register,
        by=frontline,
        channel="email",
        description="G",
        repeat_of=a,
        complainant_name="李小龙",
        complainant_phone="13900139000",
    )
    g = clock(
        at(2026, 3, 15, 9, 30),
        s.classify,
        g,
        by=manager,
        category=category,
        priority="normal",
        department=dept_a,
    )
    g = clock(at(2026, 3, 15, 10), s.assign, g, by=manager, assignee=frontline)
    g = clock(at(2026, 3, 16, 10), s.escalate, g, by=frontline, reason="Beyond my authority")
    g = clock(at(2026, 3, 17, 10), s.escalate, g, by=manager, reason="Needs the GM")

    # H (a year earlier)
    h = clock(at(2025, 3, 10, 9), s.register, by=frontline, channel="phone", description="H")

    # I (department B)
    i = clock(
        at(2026, 3, 5, 10),
        s.register,
        by=frontline_b,
        channel="web",
        description="I",
        priority="urgent",
    )
    i = clock(
        at(2026, 3, 5, 10, 10),
        s.classify,
        i,
        by=manager_b,
        category=other_category,
        priority="urgent",
        department=dept_b,
    )
    i = clock(at(2026, 3, 5, 10, 20), s.assign, i, by=manager_b, assignee=frontline_b)
    i = clock(
        at(2026, 3, 5, 15, 30),
        s.resolve,
        i,
        by=frontline_b,
        **resolution(remedy_amount=Decimal("150.00")),
    )
    i = clock(at(2026, 3, 6, 10), s.follow_up, i, by=frontline_b, outcome="unreachable")
    i = clock(at(2026, 3, 7, 10), s.close, i, by=manager_b, reason="Unreachable three times")
    i = clock(at(2026, 3, 7, 11), deadlines, i, by=manager_b, due=at(2026, 3, 6, 9))

    return Month(a, b, c, d, e, f, g, h, i)
