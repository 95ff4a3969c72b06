"""The complaint page stays fast: a fixed number of queries whatever the length of its timeline,
and the modal forms rendered once per process (issue 8) while still showing what each form
would show if rendered afresh: the current version, the current choices, the user's language."""

from __future__ import annotations

import re

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import services
from complaints.models import Complaint, State
from tests.conftest import _staff

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# What a general manager's view of an assigned complaint costs, whatever its timeline: session,
# user, staff profile, the complaint (with category, department and handler joined), the user's
# permissions (2), the assign form's handlers and departments (2), then the timeline: history
# rows, notes, communications, attachments, and the people they name (1); the messages panel:
# the messages with their authors and attachments (1), the SMS opt-out of the complainant's
# number (1); the registered panels (complaints.panels): the corrective actions addressing the
# complaint (1).
# Plus the navigation (complaints.queues, complaints.saved_views): every queue's capped count
# in one query and the saved views in one, here counted on every page (no cache, see below).
NAV_QUERIES = 2
PAGE_QUERIES = 16 + NAV_QUERIES


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"
    # The navigation's counts uncached, so every page load costs the same.
    settings.REDRESS_QUEUE_COUNT_SECONDS = 0


def url(complaint: Complaint) -> str:
    return f"/complaints/{complaint.reference}/"


def reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def page_queries(client, complaint: Complaint) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url(complaint))
    assert response.status_code == 200
    return len(queries), response


def squash(html: str) -> str:
    """HTML without the whitespace between tags (crispy's own output drops most of it)."""
    return re.sub(r">\s+", ">", re.sub(r"\s+<", "<", html)).strip()


def add_one_of_each(complaint: Complaint, by, n: int) -> None:
    services.add_note(complaint, by=by, body=f"note {n}")
    services.log_communication(complaint, by=by, medium="call", direction="in", summary=f"call {n}")
    services.add_attachment(
        complaint,
        by=by,
        file=SimpleUploadedFile(f"receipt-{n}.png", PNG),
        original_name=f"receipt-{n}.png",
        content_type="image/png",
        size=len(PNG),
    )


def test_a_long_timeline_costs_the_complaint_page_no_more_queries_than_a_short_one(
    client, frontline, frontline2, manager, gm, make_complaint, django_assert_num_queries
):
    complaint = make_complaint(State.ASSIGNED)
    add_one_of_each(complaint, frontline, 0)
    client.force_login(gm)
    short, response = page_queries(client, complaint)
    assert short == PAGE_QUERIES
    assert len(response.context["timeline"]) < 10

    # Forty more history rows by three people, handlers changing, and a dozen records of each
    # kind by four people: every entry names someone and something, none of it may cost a query.
    handlers = [frontline2, frontline]
    for n in range(20):
        complaint = services.update_details(
            reload(complaint), by=manager, changes={"request": f"request {n}"}, reason=f"{n}"
        )
        complaint = services.assign(reload(complaint), by=manager, assignee=handlers[n % 2])
        if n % 4 == 0:
            add_one_of_each(complaint, handlers[n % 2], n)
    complaint = services.escalate(reload(complaint), by=frontline, reason="needs a manager")
    for n in range(20, 27):
        add_one_of_each(complaint, [manager, gm][n % 2], n)

    with django_assert_num_queries(short):
        response = client.get(url(complaint))
    timeline = response.context["timeline"]
    assert len(timeline) > 80
    assert {"history", "note", "communication", "attachment"} == {e.kind for e in timeline}
    assert {str(entry.actor) for entry in timeline} == {"frontline", "frontline2", "manager", "gm"}
    changes = [change for entry in timeline for change in entry.changes]
    assert ("Handler", "frontline", "frontline2") in changes
    assert ("Tier", "Frontline", "Department manager") in changes


def test_the_typical_complaint_page_needs_a_dozen_queries(
    client, frontline, manager, gm, make_complaint, django_assert_max_num_queries
):
    # Closed, six history rows and a note: what most of a year's complaints look like.
    complaint = make_complaint(State.CLOSED)
    services.add_note(complaint, by=frontline, body="Asked for a callback in the morning")
    client.force_login(gm)
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = client.get(url(complaint))
    assert response.status_code == 200
    assert "Asked for a callback in the morning" in response.content.decode()


def test_linked_complaints_and_the_people_on_the_page_cost_one_query_each_kind(
    client,
    frontline,
    frontline2,
    manager,
    gm,
    make_complaint,
    dept_b,
    django_assert_max_num_queries,
):
    earlier = make_complaint(State.CLOSED)
    complaint = make_complaint(
        State.ASSIGNED,
        subject_person=frontline2,
        subject_department=dept_b,
        complainant_name="Han Meimei",
    )
    complaint = services.link_repeat(complaint, repeat_of=earlier, by=manager)
    complaint = services.resolve(
        reload(complaint),
        by=frontline,
        root_cause="Queue too long",
        resolution_summary="Refunded",
        substantiated=True,
        remedy="Refund",
        remedy_amount=200,
    )
    client.force_login(gm)
    # The page's usual queries, plus one for the linked complaint and one for the department
    # complained about; the person complained about comes with the timeline's people.
    with django_assert_max_num_queries(PAGE_QUERIES + 2):
        response = client.get(url(complaint))
    page = response.content.decode()
    assert f'<a href="/complaints/{earlier.reference}/">{earlier.reference}</a>' in page
    assert dept_b.name in page and "frontline2" in page
    assert response.context["complaint"].created_by == frontline


def test_every_modal_shows_the_form_as_crispy_renders_it(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)
    for _ in range(2):  # the second view reads the stored HTML
        response = client.get(url(complaint))
        page = squash(response.content.decode())
        modals = response.context["transitions"] + response.context["records"]
        assert {m["name"] for m in modals} >= {"assign", "resolve", "escalate", "note"}
        for modal in modals:
            assert squash(as_crispy_form(modal["form"])) in page, modal["name"]


def test_the_modal_forms_carry_the_version_the_user_sees_now(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)
    client.get(url(complaint))
    complaint = services.escalate(reload(complaint), by=frontline, reason="up")

    page = client.get(url(complaint)).content.decode()

    versions = re.findall(r'name="expected_version" value="(\d+)"', page)
    assert versions and set(versions) == {str(complaint.version)}


def test_a_new_handler_is_offered_at_once(client, manager, dept_a, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    assert "newcomer" not in client.get(url(complaint)).content.decode()

    newcomer = _staff("newcomer", "frontline", dept_a)

    page = client.get(url(complaint)).content.decode()
    assert f'<option value="{newcomer.pk}">newcomer</option>' in page


def test_the_modal_forms_follow_the_users_language(client, manager, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    english = client.get(url(complaint)).content.decode()
    assert "Handler" in english

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get(url(complaint)).content.decode()

    assert "转交至部门" in chinese and 'id="id_assign_assignee"' in chinese
    assert "Move to department" not in chinese


def test_a_form_sent_back_with_errors_keeps_what_was_typed(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    client.get(url(complaint))  # the blank resolve form is now stored

    response = client.post(
        f"{url(complaint)}transitions/resolve/",
        {"expected_version": complaint.version, "root_cause": "Typed before the error"},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Typed before the error" in page and "This field is required." in page
    assert response.context["open_form"] == "resolve"
