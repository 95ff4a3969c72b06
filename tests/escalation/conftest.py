"""Fixtures of the escalation tests: a controlled clock, mail in memory, tasks in-process."""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
import time_machine

from escalation import rulebook

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday, a working day, inside business hours.
MONDAY_0930 = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def escalation_settings(settings):
    settings.ESCALATION_TASKS_SYNC = True  # django-q2 runs each notification task in-process
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    # Policies are cached per process; a test's rolled-back edits must not leak.
    rulebook.invalidate()
    yield settings
    rulebook.invalidate()


@pytest.fixture
def clock():
    """Time stands still at Monday 2026-03-02 09:30 in Shanghai until the test moves it."""
    with time_machine.travel(MONDAY_0930, tick=False) as traveller:
        yield traveller


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """``with committed():`` runs the on-commit hooks (notification tasks) at the block's end,
    as a real commit would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def ensure_shipped_defaults() -> None:
    """The default calendar and policies come from a data migration; transactional tests flush
    them away (as tests/conftest.py says of the tier groups), so put them back."""
    from django.apps import apps

    from escalation.models import CalendarYear, SlaPolicy

    if not SlaPolicy.objects.exists():
        import_module("escalation.migrations.0002_default_calendar_and_policies").seed(apps, None)
    if not CalendarYear.objects.exists():
        import_module("escalation.migrations.0006_calendar_years_for_loaded_days").record_years(
            apps, None
        )
    rulebook.invalidate()


@pytest.fixture
def shipped_defaults(transactional_db) -> None:
    """For transactional tests: the shipped calendar and policies, whatever ran before."""
    ensure_shipped_defaults()
