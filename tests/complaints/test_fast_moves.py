"""Fast moves (#15): the header's jump box and the complaint page's "Assign to me"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints.models import Complaint, State
from complaints.views import reference_from

SHANGHAI = ZoneInfo("Asia/Shanghai")
NO_MATCH = "No complaint you may see has this reference"


def jump(client, user, q):
    client.force_login(user)
    return client.get("/complaints/jump/", {"q": q}, headers={"Accept-Language": "en"})


# --- jump to a reference -----------------------------------------------------------------------


def test_a_visible_reference_opens_the_complaint(client, frontline, make_complaint):
    complaint = make_complaint()
    response = jump(client, frontline, complaint.reference)
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.reference}/"


def test_a_lower_case_reference_and_a_short_number_open_the_complaint(
    client, frontline, make_complaint
):
    complaint = make_complaint()
    number = complaint.reference.rsplit("-", 1)[1]  # e.g. 000001
    for typed in (complaint.reference.lower(), number, str(int(number))):
        response = jump(client, frontline, typed)
        assert response["Location"] == f"/complaints/{complaint.reference}/", typed


def test_an_invisible_reference_answers_like_an_unknown_one(client, frontline_b, make_complaint):
    hidden = make_complaint()  # department A's queue: frontline of department B cannot see it
    unknown = hidden.reference[:-6] + "999999"
    answers = []
    for typed in (hidden.reference, unknown):
        response = jump(client, frontline_b, typed)
        assert response.status_code == 302
        assert response["Location"].startswith("/complaints/?q=")
        page = client.get(response["Location"], headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert NO_MATCH in page.content.decode()
        assert f'data-reference="{hidden.reference}"' not in page.content.decode()
        assert f'href="/complaints/{hidden.reference}/"' not in page.content.decode()
        answers.append(response["Location"].replace(typed, "TYPED"))
    assert answers[0] == answers[1]


def test_text_that_is_no_reference_searches_the_list(client, frontline):
    response = jump(client, frontline, "王伟")
    assert response.status_code == 302
    assert response["Location"] == "/complaints/?q=%E7%8E%8B%E4%BC%9F"


def test_the_jump_box_is_for_staff_only(client, outsider, auditor, make_complaint):
    complaint = make_complaint()
    assert jump(client, outsider, complaint.reference).status_code == 403
    assert jump(client, auditor, complaint.reference).status_code == 302  # auditors read all
    client.logout()
    assert client.get("/complaints/jump/", {"q": "1"}).status_code == 302  # to the login page


@pytest.mark.parametrize("local_time", [(23, 30), (0, 30)])
def test_a_short_number_is_this_year_in_shanghai(settings, local_time):
    # 2026-12-31 23:30 and 2027-01-01 00:30 in Shanghai; the UTC year differs for the second.
    day = dt.date(2026, 12, 31) if local_time[0] == 23 else dt.date(2027, 1, 1)
    moment = dt.datetime.combine(day, dt.time(*local_time), tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        assert reference_from("123") == f"C-{day.year}-000123"
    assert reference_from("C-2025-7") == "C-2025-000007"
    assert reference_from("hello") == ""
    assert reference_from("1234567") == ""


def test_the_header_shows_the_jump_box_and_shortcuts_to_staff_only(client, frontline, auditor):
    client.force_login(frontline)
    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert 'id="jump-box"' in page
    assert 'id="shortcuts-help"' in page
    assert "js/shortcuts.js" in page
    client.logout()
    page = client.get("/accounts/login/", headers={"Accept-Language": "en"}).content.decode()
    assert 'id="jump-box"' not in page
    assert "shortcuts.js" not in page


# --- assign to me -----------------------------------------------------------------------------


def take(client, user, complaint, version=None):
    client.force_login(user)
    return client.post(
        f"/complaints/{complaint.reference}/assign-to-me/",
        {"expected_version": complaint.version if version is None else version},
        headers={"Accept-Language": "en"},
    )


def test_a_handler_takes_a_classified_complaint(client, frontline, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(frontline)
    page = client.get(complaint.get_absolute_url()).content.decode()
    assert 'id="assign-to-me"' in page
    response = take(client, frontline, complaint)
    assert response.status_code == 302
    assert response["Location"] == complaint.get_absolute_url()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.state == State.ASSIGNED
    assert complaint.assignee == frontline
    row = complaint.history.latest()
    assert (row.history_transition, row.history_user) == ("assign", frontline)
    page = client.get(complaint.get_absolute_url(), headers={"Accept-Language": "en"})
    assert "is now assigned to you" in page.content.decode()
    assert 'id="assign-to-me"' not in page.content.decode()  # already theirs


def test_a_stale_copy_is_refused_with_the_page_and_a_reason(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    seen_by_manager = complaint.version
    assert take(client, frontline, complaint).status_code == 302  # frontline was quicker
    response = take(client, manager, complaint, version=seen_by_manager)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()
    assert 'id="reference"' in response.content.decode()  # the complaint page, as it is now
    assert Complaint.objects.get(pk=complaint.pk).assignee == frontline


def test_someone_who_may_not_take_it_sees_no_button_and_gets_403(client, frontline, make_complaint):
    major = make_complaint(State.CLASSIFIED, priority="major")  # manager tier: not frontline's
    assert major.tier == "manager"
    client.force_login(frontline)
    page = client.get(major.get_absolute_url(), headers={"Accept-Language": "en"})
    assert page.status_code == 200  # the department's unassigned queue
    assert 'id="assign-to-me"' not in page.content.decode()
    response = take(client, frontline, major)
    assert response.status_code == 403
    assert Complaint.objects.get(pk=major.pk).assignee_id is None


def test_a_complaint_out_of_sight_answers_404(client, frontline_b, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    assert take(client, frontline_b, complaint).status_code == 404
    assert Complaint.objects.get(pk=complaint.pk).assignee_id is None


def test_an_auditor_gets_403(client, auditor, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(auditor)
    assert 'id="assign-to-me"' not in client.get(complaint.get_absolute_url()).content.decode()
    assert take(client, auditor, complaint).status_code == 403


def test_assign_to_me_only_accepts_post(client, frontline, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(frontline)
    assert client.get(f"/complaints/{complaint.reference}/assign-to-me/").status_code == 405


def test_the_help_offers_n_only_to_those_who_may_register(client, frontline, auditor):
    client.force_login(frontline)
    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert 'data-new-url="/complaints/new/"' in page
    client.force_login(auditor)
    page = client.get("/", headers={"Accept-Language": "en"}).content.decode()
    assert 'id="shortcuts-help"' in page
    assert "data-new-url" not in page
