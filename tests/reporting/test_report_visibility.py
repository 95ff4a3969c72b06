"""Reports cover only what the visibility function lets their reader see."""

from __future__ import annotations

import pytest

from complaints.selectors import all_complaints_for_reports, complaints_visible_to
from reporting import selectors

pytestmark = pytest.mark.django_db


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("persona", "kind"),
    [
        ("frontline", "personal"),
        ("frontline_b", "personal"),
        ("manager", "department"),
        ("manager_b", "department"),
        ("gm", "org"),
        ("auditor", "org"),
    ],
)
def test_a_report_covers_only_complaints_its_reader_may_see(request, march, persona, kind):
    user = request.getfixturevalue(persona)
    scope = selectors.resolve_scope(user)
    covered = ids(selectors.complaints_for(scope, user))
    assert scope.kind == kind
    assert covered <= ids(complaints_visible_to(user))
    if kind == "org":
        assert covered == ids(complaints_visible_to(user))


def test_month_end_snapshots_cover_what_the_general_manager_sees(march, gm, dept_a):
    everything = ids(complaints_visible_to(gm))
    assert ids(all_complaints_for_reports()) == everything
    assert ids(selectors.complaints_for(selectors.Scope.organisation())) == everything
    department = selectors.complaints_for(selectors.Scope.for_department(dept_a.pk))
    assert ids(department) == ids(complaints_visible_to(gm).filter(department=dept_a))
