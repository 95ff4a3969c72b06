"""Who sees which complaints: the selector, and the admin built on it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from complaints import selectors, services
from complaints.models import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(make_complaint, frontline, frontline2, manager_b, frontline_b, dept_b, other_category):
    """One complaint of each kind the visibility rule distinguishes."""
    mine = make_complaint(State.ASSIGNED, handler=frontline)
    colleagues = make_complaint(State.ASSIGNED, handler=frontline2)
    queue = make_complaint(State.CLASSIFIED)
    unrouted = services.register(by=None, channel="web", description="From the web form")
    other_dept = make_complaint(State.RECEIVED, department=dept_b, by=frontline_b)
    return {
        "mine": mine,
        "colleagues": colleagues,
        "queue": queue,
        "unrouted": unrouted,
        "other_dept": other_dept,
    }


EXPECTED = {
    "frontline": {"mine", "queue", "unrouted"},
    "frontline2": {"colleagues", "queue", "unrouted"},
    "manager": {"mine", "colleagues", "queue", "unrouted"},
    "manager_b": {"other_dept", "unrouted"},
    "gm": {"mine", "colleagues", "queue", "unrouted", "other_dept"},
    "auditor": {"mine", "colleagues", "queue", "unrouted", "other_dept"},
    "outsider": set(),
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_tier_sees_exactly_its_complaints(request, spread, persona):
    user = request.getfixturevalue(persona)
    visible = set(selectors.complaints_visible_to(user).values_list("reference", flat=True))
    assert visible == {spread[name].reference for name in EXPECTED[persona]}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_admin_changelist_lists_only_visible_complaints(client, request, spread, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("admin:complaints_complaint_changelist"))
    if persona == "outsider":
        # No staff flag and no permissions: the admin sends them to its login page.
        assert response.status_code == 302
        return
    assert response.status_code == 200
    body = response.content.decode()
    for name, complaint in spread.items():
        assert (complaint.reference in body) is (name in EXPECTED[persona]), name


def test_admin_change_page_of_another_department_is_404(client, frontline, spread):
    client.force_login(frontline)
    other = spread["other_dept"]
    url = reverse("admin:complaints_complaint_change", args=[other.pk])
    assert client.get(url).status_code == 404
    history = reverse("admin:complaints_complaint_history", args=[other.pk])
    assert client.get(history).status_code == 404
    own = reverse("admin:complaints_complaint_change", args=[spread["mine"].pk])
    assert client.get(own).status_code == 200


def test_admin_is_read_only_for_auditors(client, auditor, spread):
    client.force_login(auditor)
    complaint = spread["mine"]
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"_fsm_transition_to" not in page.content
    response = client.post(url, {"complainant_name": "Changed", "_save": "Save"})
    assert response.status_code == 403
    transition = reverse("admin:complaints_complaint_transition", args=[complaint.pk, "escalate"])
    client.post(transition, {"reason": "audit says so"})
    assert (
        complaint.history.count()
        == complaint.__class__.objects.get(pk=complaint.pk).history.count()
    )
    fresh = complaint.__class__.objects.get(pk=complaint.pk)
    assert (fresh.tier, fresh.complainant_name) == ("frontline", "Li Lei")


def test_confidential_complainant_is_masked_for_the_unit_complained_about(
    make_complaint, frontline, frontline_b, manager_b, gm, auditor, dept_b
):
    complaint = make_complaint(State.RECEIVED, confidential=True, subject_department=dept_b)
    assert selectors.may_see_complainant(frontline, complaint)
    assert not selectors.may_see_complainant(manager_b, complaint)
    assert not selectors.may_see_complainant(frontline_b, complaint)
    assert selectors.may_see_complainant(gm, complaint)
    assert selectors.may_see_complainant(auditor, complaint)
    assert selectors.mask("13800138000") == "1*********0"


def test_the_person_complained_about_never_sees_who_complained(make_complaint, frontline2):
    complaint = make_complaint(State.RECEIVED, subject_person=frontline2)
    assert not selectors.may_see_complainant(frontline2, complaint)
