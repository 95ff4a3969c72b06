from __future__ import annotations

import datetime as dt

import pytest

from complaints.models import RootCause
from improvement import services
from tests.conftest import root_cause


@pytest.fixture
def cause(db) -> RootCause:
    parent = root_cause("process", "Process")
    return root_cause("missing-step", "Missing step", parent)


@pytest.fixture
def open_action(manager, frontline, cause, dept_a):
    """Open an action as the department-A manager, owned by the frontline agent."""

    def build(*, complaints=(), by=None, owner=None, due_on=None, **kw):
        return services.open_action(
            by=by or manager,
            title=kw.pop("title", "Add the missing step to the script"),
            cause=kw.pop("cause", cause),
            owner=owner or frontline,
            department=kw.pop("department", dept_a),
            due_on=due_on or dt.date(2027, 3, 31),
            complaints=complaints,
            **kw,
        )

    return build


@pytest.fixture(autouse=True)
def improvement_settings(settings):
    settings.ESCALATION_TASKS_SYNC = True  # notices are sent in-process
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    settings.REDRESS_ACTION_GM_AFTER_DAYS = 7
    return settings
