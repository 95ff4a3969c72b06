"""Scheduled work of the reporting app (django-q2). ``python manage.py setup_schedules`` creates
the schedules listed in ``SCHEDULES``. Every task is idempotent: running it twice changes nothing
the second time."""

from __future__ import annotations

from reporting import services, workdays
from reporting.months import Month

SCHEDULES = [
    # Just after midnight every day: issues last month's report if it has not been issued
    # (daily rather than only on the 1st, so a worker that was down on the 1st catches up).
    {
        "name": "reporting: issue month-end reports",
        "func": "reporting.tasks.issue_month_end_reports",
        "cron": "10 0 * * *",
    },
    # After the month-end reports: a quarter's and a year's report once its last month is issued.
    {
        "name": "reporting: issue quarter- and year-end reports",
        "func": "reporting.tasks.issue_period_end_reports",
        "cron": "15 0 * * *",
    },
    # The working-day table follows the escalation calendar, which staff edit (the State
    # Council announces next year's moved working days in November or December).
    {
        "name": "reporting: refresh working-day calendar",
        "func": "reporting.tasks.refresh_working_days",
        "cron": "20 0 * * *",
    },
    # The full tamper check, recorded for the auditors' page.
    {
        "name": "reporting: verify audit chains",
        "func": "reporting.tasks.verify_audit_chains",
        "cron": "30 2 * * *",
    },
]


def issue_month_end_reports() -> int:
    """Freeze last month's report for the organisation and each department; returns how many
    snapshots were issued (0 when they already were)."""
    return len(services.issue_snapshots(Month.current().previous))


def issue_period_end_reports() -> int:
    """Freeze the quarter and the year that last month ended, if it ended one; returns how many
    reports were issued (0 when they already were, or when last month ended neither)."""
    from reporting import period_services

    return len(period_services.issue_finished_periods(Month.current().previous))


def refresh_working_days() -> int:
    """Rebuild the working-day table; also clears expired cache entries."""
    services.drop_expired_cache()
    first, last = workdays.default_range()
    return workdays.rebuild(first, last)


def verify_audit_chains() -> int:
    """Returns the number of broken chains."""
    return services.run_chain_verification().broken_complaints
