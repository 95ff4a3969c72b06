"""Complaints transferred from a regulator or hotline platform (12345): the one rule for whether
the platform was answered in time, read by the complaint API, the regulator export and the
platform's status endpoint alike. (Intake, in ``intake.transfers``, does the importing.)"""

from __future__ import annotations

import datetime as dt


def answered_in_time(
    resolved_at: dt.datetime | None, platform_due_at: dt.datetime | None, now: dt.datetime
) -> bool | None:
    """True: the resolution (the answer) came by the platform's deadline; False: it came late,
    or the deadline passed unanswered; None: not transferred with a deadline, or still running.
    """
    if platform_due_at is None:
        return None
    if resolved_at is not None:
        return resolved_at <= platform_due_at
    return False if now > platform_due_at else None
