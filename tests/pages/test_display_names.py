"""People appear by their display name on staff pages, exports and the API; pickers offer only
people the assign service would accept."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.forms import AssignForm
from complaints.people import display_name
from complaints.selectors import people_who_can_take
from tests.conftest import _staff


@pytest.fixture
def named(frontline, frontline2, manager):
    for user, first, last in (
        (frontline, "Wang", "Fang"),
        (frontline2, "Zhao", "Min"),
        (manager, "Chen", "Jing"),
    ):
        user.first_name, user.last_name = first, last
        user.save()


def test_a_person_is_named_by_full_name_else_by_username(frontline, frontline2):
    frontline.first_name, frontline.last_name = "Wang", "Fang"
    assert display_name(frontline) == "Wang Fang"
    assert display_name(frontline2) == "frontline2"
    assert display_name(None) == ""


def test_the_complaint_page_names_the_handler_and_the_actors_not_their_logins(
    client, named, manager, frontline, make_complaint
):
    complaint = make_complaint("assigned")
    client.force_login(manager)
    page = client.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    assert "Wang Fang" in page and "Chen Jing" in page
    assert ">frontline<" not in page and "· manager" not in page


def test_the_audit_log_and_its_export_name_people_by_display_name(
    client, named, auditor, make_complaint
):
    make_complaint("assigned")
    client.force_login(auditor)
    page = client.get(reverse("reporting:audit_log")).content.decode()
    assert "Chen Jing" in page and "Wang Fang" in page
    export = b"".join(client.get(reverse("reporting:audit_export")).streaming_content).decode()
    assert "Chen Jing" in export
    assert ",manager," not in export


def test_the_api_names_the_handler_by_display_name(client, named, manager, make_complaint):
    complaint = make_complaint("assigned")
    client.force_login(manager)
    answer = client.get(f"/api/v1/complaints/{complaint.reference}/").json()
    assert answer["assignee"]["name"] == "Wang Fang"


def test_the_assign_picker_offers_only_people_the_service_would_accept(
    named, make_complaint, frontline, frontline2, frontline_b, manager, gm, auditor
):
    complaint = make_complaint("classified", subject_person=frontline2)
    offered = set(AssignForm(complaint=complaint).fields["assignee"].queryset)
    # Not the auditor, not another department's agent, not the person complained about.
    assert offered == {frontline, manager, gm}
    labels = [label for _value, label in AssignForm(complaint=complaint).fields["assignee"].choices]
    assert "Wang Fang" in labels and "frontline" not in labels


def test_a_complaint_at_the_manager_tier_is_offered_to_managers_and_above_only(
    make_complaint, frontline, manager, gm
):
    complaint = make_complaint("assigned")
    complaint = services.escalate(complaint, by=manager, reason="Serious")
    assert set(people_who_can_take(complaint)) == {manager, gm}


def test_an_inactive_colleague_is_not_offered(make_complaint, frontline, dept_a):
    leaver = _staff("leaver", "frontline", dept_a)
    leaver.is_active = False
    leaver.save()
    complaint = make_complaint("classified")
    assert leaver not in set(people_who_can_take(complaint))
