"""django-q2 tasks of the escalation app. ``SCHEDULES`` is read by ``manage.py setup_schedules``.

Tasks take ids, call one function and are idempotent: a sweep that runs twice escalates each
missed deadline once, and a notice is sent once however often its task runs.
"""

from __future__ import annotations

from escalation import notify, years
from escalation import sweep as sweeping

SCHEDULES = [
    {"name": "sla-sweep", "func": "escalation.tasks.sweep", "minutes": 1},
    # Daily: load this year and the next from the holidays package if missing (provisional).
    {"name": "calendar-years", "func": "escalation.tasks.load_calendar_years", "minutes": 1440},
]


def sweep() -> str:
    """The every-minute SLA sweep (see ``escalation.sweep``); returns its summary line, which
    django-q2 keeps as the task result."""
    return sweeping.sweep().summary()


def send_notices(ids: list[int] | None = None) -> int:
    """Send the given notification emails (or every unsent one); returns how many went out."""
    return notify.send(ids)


def load_calendar_years() -> str:
    """Load this year and the next into every calendar with a holiday country when missing
    (provisional until confirmed), and recompute the open deadlines they move. Idempotent: a
    loaded year is left alone (``sync_holidays`` refreshes one on purpose)."""
    from django.utils import timezone

    from escalation.models import CalendarYear, WorkCalendar

    today = timezone.localdate()
    done = []
    for calendar in WorkCalendar.objects.exclude(holiday_country=""):
        have = set(CalendarYear.objects.filter(calendar=calendar).values_list("year", flat=True))
        for year in (today.year, today.year + 1):
            if year in have:
                continue
            try:
                years.load_year(calendar, year)
            except years.YearNotAvailable:
                continue
            years.recompute_for_year(calendar.pk, year)
            done.append(f"{calendar.name} {year}")
    return "loaded " + (", ".join(done) if done else "nothing")


def recompute_for_year(calendar_id: int, year: int) -> int:
    """After a year was loaded on demand: recompute the open deadlines it moves."""
    return years.recompute_for_year(calendar_id, year)
