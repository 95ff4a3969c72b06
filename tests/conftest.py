"""Shared personas and builders.

Two departments (customer service "A" and billing "B"), one login per tier, and a builder that
walks a complaint through the real services to any state, so every test starts from history
that the product itself wrote.
"""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from complaints import services
from complaints.models import Category, Department, RootCause, State

# The browser fixtures (Playwright on Debian's Chromium) and the --clock option, registered once
# for every folder.
pytest_plugins = ["tests.e2e.browser", "tests.clock"]

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test databases, with every connection closed before they are dropped.

    Django closes the connection of the thread that tears down; a connection opened by another
    thread (a concurrency test's worker, the live server's request threads) and not closed by
    it stays open after the thread ends, because a DatabaseWrapper sits in reference cycles
    and waits for the garbage collector. DROP DATABASE then finds "1 other session using the
    database". Close each one that is still open, whichever thread made it."""
    yield
    with django_db_blocker.unblock():
        _close_every_connection()


def _close_every_connection() -> None:
    from django.db import connections
    from django.db.backends.base.base import BaseDatabaseWrapper

    gc.collect()
    for wrapper in gc.get_objects():
        # type(), not isinstance(): gc also holds dead weak proxies, which raise on access.
        if not issubclass(type(wrapper), BaseDatabaseWrapper) or wrapper.connection is None:
            continue
        wrapper.inc_thread_sharing()  # closing another thread's connection is deliberate here
        try:
            wrapper.close()
        finally:
            wrapper.dec_thread_sharing()
    connections.close_all()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # PBKDF2's deliberate slowness costs seconds per persona; tests don't need it.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Text messages go to ``correspondence.sms.outbox`` in tests, as mail goes to mail.outbox."""
    from correspondence import sms

    settings.REDRESS_SMS_BACKEND = "correspondence.sms.locmem.SmsBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


@pytest.fixture
def dept_a(db) -> Department:
    return Department.objects.create(code="service", name="Customer service")


@pytest.fixture
def dept_b(db) -> Department:
    return Department.objects.create(code="billing", name="Billing")


@pytest.fixture
def category(db) -> Category:
    parent = Category.objects.create(code="service-attitude", name="Service attitude")
    return Category.objects.create(code="rude-staff", name="Rude staff", parent=parent)


@pytest.fixture
def other_category(db) -> Category:
    parent = Category.objects.create(code="billing", name="Billing")
    return Category.objects.create(code="double-charge", name="Double charge", parent=parent)


def ensure_tier_groups() -> None:
    """The tier groups and the default root-cause catalogue come from data migrations;
    transactional tests flush them away."""
    from importlib import import_module

    from django.contrib.auth.models import Group, Permission

    ensure_root_causes()
    if Group.objects.filter(name="Frontline").exists():
        return
    causes = import_module("complaints.migrations.0010_resolution_default_root_causes")
    for app_label, module in (
        ("complaints", "complaints.migrations.0002_tier_groups"),
        ("improvement", "improvement.migrations.0002_tier_group_permissions"),
    ):
        for name, codenames in import_module(module).GROUPS.items():
            group, _ = Group.objects.get_or_create(name=name)
            if app_label == "complaints":
                codenames = [*codenames, *causes.GROUP_PERMISSIONS.get(name, [])]
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def ensure_root_causes() -> None:
    from importlib import import_module

    from django.apps import apps

    if not RootCause.objects.exists():
        migration = import_module("complaints.migrations.0010_resolution_default_root_causes")
        migration.load_catalogue(apps, None)


def root_cause(code: str, name: str, parent: RootCause | None = None) -> RootCause:
    """A root cause for a test, named as the test needs: the default catalogue (migration
    0010) already holds the top-level codes, so this takes the row over rather than adding a
    second one with the same code."""
    cause, _created = RootCause.objects.update_or_create(
        code=code, defaults={"name": name, "parent": parent, "active": True}
    )
    return cause


def _staff(username: str, tier: str, department: Department | None):
    ensure_tier_groups()
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.test"
    )
    services.set_staff_profile(user, tier=tier, department=department)
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def frontline(dept_a):
    return _staff("frontline", "frontline", dept_a)


@pytest.fixture
def frontline2(dept_a):
    """A second frontline agent of department A."""
    return _staff("frontline2", "frontline", dept_a)


@pytest.fixture
def frontline_b(dept_b):
    return _staff("frontline_b", "frontline", dept_b)


@pytest.fixture
def manager(dept_a):
    user = _staff("manager", "manager", dept_a)
    dept_a.manager = user
    dept_a.save()
    return user


@pytest.fixture
def manager_b(dept_b):
    user = _staff("manager_b", "manager", dept_b)
    dept_b.manager = user
    dept_b.save()
    return user


@pytest.fixture
def gm(db):
    return _staff("gm", "gm", None)


@pytest.fixture
def auditor(db):
    return _staff("auditor", "auditor", None)


@pytest.fixture
def outsider(db):
    """A login with no staff profile: sees and does nothing."""
    return get_user_model().objects.create_user(username="outsider", password=PASSWORD)


# A substantiated resolution names its coded cause (a finer cause of the default catalogue,
# by code: the services, the forms and the API all take a cause's code).
RESOLUTION = {
    "root_cause": "Agent skipped the script",
    "resolution_summary": "Apologised and retrained the agent",
    "substantiated": True,
    "cause": "people-training",
    "remedy": "Goodwill credit",
    "remedy_amount": Decimal("50.00"),
    "corrective_action": "Script review in weekly huddle",
}


@pytest.fixture
def make_complaint(frontline, manager, category, dept_a):
    """Build a complaint in ``state`` through the services, as the personas would."""

    def build(state: str = State.RECEIVED, *, by=None, handler=None, outcome="satisfied", **kw):
        by = by or frontline
        handler = handler or frontline
        kw.setdefault("complainant_name", "Li Lei")
        kw.setdefault("complainant_phone", "138 0013 8000")
        kw.setdefault("department", dept_a)
        c = services.register(
            by=by, channel="phone", description=kw.pop("description", "Rude agent"), **kw
        )
        if state == State.RECEIVED:
            return c
        if state == State.REJECTED:
            return services.reject(c, by=manager, reason_code="outside_remit", explanation="No")
        if state == State.WITHDRAWN:
            return services.withdraw(c, by=manager, reason_code="withdrawn", explanation="Ok")
        c = services.classify(
            c,
            by=manager,
            category=category,
            priority=kw.get("priority", "normal"),
            department=c.department,
        )
        if state == State.CLASSIFIED:
            return c
        c = services.assign(c, by=manager, assignee=handler)
        if state == State.ASSIGNED:
            return c
        c = services.resolve(c, by=handler, **RESOLUTION)
        if state == State.RESOLVED:
            return c
        c = services.follow_up(c, by=handler, outcome=outcome, comment="Called back")
        if state == State.FOLLOWED_UP:
            return c
        return services.close(c, by=manager, reason="Done")

    return build
