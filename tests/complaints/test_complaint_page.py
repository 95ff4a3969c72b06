"""The complaint page as #15 reorganised it (summary, clocks, actions, timeline, then cards that
show only what is known) and a stale-copy conflict that keeps what the user typed and names what
changed since they opened the form."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.MEDIA_ROOT = tmp_path / "media"


def url(complaint: Complaint, suffix: str = "") -> str:
    return f"/complaints/{complaint.reference}/{suffix}"


def reload(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def rows(page: str) -> dict[str, str]:
    """Every label → value row of the page's cards and summary, tags stripped."""

    def text(html: str) -> str:
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()

    pairs = re.findall(r"<dt[^>]*>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", page, flags=re.S)
    return {text(label): text(value) for label, value in pairs}


def card_headings(page: str) -> list[str]:
    return re.findall(r'<h2 class="h6 mb-0[^"]*" id="[a-z]+-heading">([^<]+)<', page)


def named(user, first: str, last: str):
    user.first_name, user.last_name = first, last
    user.save(update_fields=["first_name", "last_name"])
    return user


# --- the page: no internal counter, no empty row, no empty card ----------------------------------


def test_the_complaint_page_does_not_show_the_internal_version_counter(
    client, manager, make_complaint
):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)

    page = client.get(url(complaint)).content.decode()

    assert 'id="complaint-version"' not in page
    assert "Version" not in rows(page)
    # The version the user saw still travels with every form: that is how a stale copy is found.
    assert f'name="expected_version" value="{complaint.version}"' in page


def test_a_fresh_complaint_shows_no_empty_row_and_no_empty_card(client, frontline, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)

    page = client.get(url(complaint)).content.decode()

    shown = rows(page)
    assert shown, "the page shows the complaint's facts"
    assert all(value not in ("", "—") for value in shown.values()), shown
    # Milestones not reached, outcome fields before a decision, counters at 0: no rows.
    for label in ("Resolved at", "Closed at", "Root cause", "Escalations", "Times reopened"):
        assert label not in shown
    headings = card_headings(page)
    for heading in ("Handling", "Decision, resolution and follow-up", "Related complaints"):
        assert heading not in headings
    assert "Complainant" in headings
    # The summary: received date, channel, description; the clocks and their deadlines page.
    assert shown["Channel"] == "Phone hotline"
    assert "Rude agent" in page
    assert f'href="/escalation/complaints/{complaint.reference}/"' in page


def test_the_summary_names_the_handler_by_display_name(client, manager, frontline, make_complaint):
    named(frontline, "Zhao", "Lei")
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)

    page = client.get(url(complaint)).content.decode()

    assert re.search(r'id="complaint-assignee">Zhao Lei<', page)
    assert "Rude staff" in rows(page)["Category"]
    assert rows(page)["Handling department"] == "Customer service"


def test_a_long_description_shows_its_first_lines_and_the_rest_on_demand(
    client, frontline, make_complaint
):
    lines = [f"Line {n} of what happened at the counter." for n in range(1, 9)]
    complaint = make_complaint(State.RECEIVED, description="\n".join(lines))
    client.force_login(frontline)

    page = client.get(url(complaint)).content.decode()

    summary = re.search(r'id="description">(.*?)</div>', page, flags=re.S).group(1)
    assert "Line 4" in summary and "Line 5" not in summary
    assert 'id="description-full"' in page and "Line 8 of what happened" in page


def test_a_resolved_complaint_shows_its_outcome_rows(client, manager, make_complaint):
    complaint = make_complaint(State.RESOLVED)
    client.force_login(manager)

    page = client.get(url(complaint)).content.decode()

    shown = rows(page)
    assert "Decision, resolution and follow-up" in card_headings(page)
    assert shown["Root cause"] == "Agent skipped the script"
    assert shown["Resolution summary"] == "Apologised and retrained the agent"
    assert shown["Substantiated"] == "Yes"
    assert shown["Remedy amount"] == "50.00"
    assert "Resolved at" in shown and "Closed at" not in shown
    assert "Rejection reason" not in shown and "Follow-up outcome" not in shown


def test_counters_appear_only_once_they_count_something(client, manager, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    services.escalate(complaint, by=frontline, reason="Beyond my authority")
    client.force_login(manager)

    shown = rows(client.get(url(complaint)).content.decode())

    assert shown["Escalations"].startswith("1 (")
    assert "Times reopened" not in shown and "Deadline extensions" not in shown


def test_a_masked_complainant_still_shows_the_masked_rows(
    client, manager_b, dept_b, make_complaint
):
    complaint = make_complaint(
        State.RECEIVED,
        department=dept_b,
        confidential=True,
        subject_department=dept_b,
        complainant_phone="13800138000",
    )
    client.force_login(manager_b)

    page = client.get(url(complaint)).content.decode()

    shown = rows(page)
    assert shown["Complainant name"] == "L****i"
    assert shown["Complainant phone"] == "1*********0"
    assert "13800138000" not in page and 'id="tracking-code"' not in page
    assert 'id="masked-note"' in page


# --- a stale copy: the typed input kept, what changed named --------------------------------------


def test_a_stale_assign_keeps_the_typed_input_names_the_change_and_applies_on_a_second_press(
    client, manager, gm, frontline, frontline2, make_complaint
):
    named(gm, "Wang", "Fang")
    named(frontline, "Zhao", "Lei")
    complaint = make_complaint(State.CLASSIFIED)
    seen_version = complaint.version
    # While the manager's assign form is open, the general manager assigns it to Zhao Lei.
    services.assign(complaint, by=gm, assignee=frontline)
    current = reload(complaint)
    client.force_login(manager)
    typed = {
        "assignee": frontline2.pk,
        "reason": "Frontline2 knows this customer",
        "expected_version": seen_version,
    }

    response = client.post(url(complaint, "transitions/assign/"), typed)

    assert response.status_code == 409
    after = reload(complaint)
    assert after.assignee == frontline and after.version == current.version
    page = response.content.decode()
    assert "was changed by someone else since you opened it" in page
    # The assign form is open again with what was typed, on the current version.
    assert response.context["open_form"] == "assign"
    assert re.search(r'id="modal-assign"[^>]*data-open-on-load="true"', page)
    modal = page[page.index('id="modal-assign"') :]
    assert "Frontline2 knows this customer" in modal
    assert re.search(rf'<option value="{frontline2.pk}" selected>', modal)
    assert f'name="expected_version" value="{current.version}"' in modal
    # Inside it: who changed what since version seen_version, with readable field labels.
    panel = re.search(r'<section class="alert[^"]*conflict-panel".*?</section>', modal, re.S)
    assert panel, "the conflict panel is inside the open form"
    panel_text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", panel.group(0)))
    assert "Wang Fang" in panel_text
    assert "Handler: — → Zhao Lei" in panel_text
    assert "Assigned at" in panel_text
    (change,) = response.context["conflict"].changes
    assert "Assigned at" in change.other_fields and "Version" not in change.other_fields

    # Pressing the button again applies the manager's choice on top of the other change.
    assign = next(t for t in response.context["transitions"] if t["name"] == "assign")
    again = {**typed, "expected_version": assign["form"].data["expected_version"]}
    response = client.post(url(complaint, "transitions/assign/"), again)

    assert response.status_code == 302
    assert reload(complaint).assignee == frontline2


def test_a_stale_resolve_lists_every_change_since_the_version_seen(
    client, manager, gm, frontline, make_complaint
):
    named(gm, "Wang", "Fang")
    complaint = make_complaint(State.ASSIGNED)
    seen_version = complaint.version
    services.change_priority(complaint, by=gm, priority="urgent", reason="Press enquiry")
    services.escalate(reload(complaint), by=frontline, reason="Beyond my authority")
    client.force_login(manager)
    typed = {
        "root_cause": "Queue system fault",
        "resolution_summary": "Refunded the fee",
        "remedy_amount": "0",
        "substantiated": "true",
        "cause": "system-outage",
        "expected_version": seen_version,
    }

    response = client.post(url(complaint, "transitions/resolve/"), typed)

    assert response.status_code == 409
    conflict = response.context["conflict"]
    assert [change.entry.title for change in conflict.changes] == [
        "Priority changed",
        "Escalated",
    ]
    page = response.content.decode()
    assert "Priority: Normal → <strong>Urgent</strong>" in page
    assert "Press enquiry" in page and "Queue system fault" in page
    assert reload(complaint).state == State.ASSIGNED


def test_a_stale_assign_to_me_names_the_change_on_the_page(
    client, manager, gm, frontline2, make_complaint
):
    named(gm, "Sun", "Li")
    complaint = make_complaint(State.CLASSIFIED)
    seen_version = complaint.version
    services.assign(complaint, by=gm, assignee=frontline2)
    client.force_login(manager)

    response = client.post(url(complaint, "assign-to-me/"), {"expected_version": seen_version})

    assert response.status_code == 409
    assert reload(complaint).assignee == frontline2
    conflict = response.context["conflict"]
    assert conflict.seen_version == seen_version and not conflict.in_form
    assert [change.entry.actor for change in conflict.changes] == [gm]
    page = response.content.decode()
    assert "Sun Li" in page and 'id="conflict"' in page
    assert "data-open-on-load" not in page


def test_a_refused_attachment_says_the_file_must_be_chosen_again(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    services.escalate(complaint, by=manager, reason="Manager takes it")  # frontline sees it only
    client.force_login(frontline)

    response = client.post(
        url(complaint, "attachments/"),
        {"file": SimpleUploadedFile("receipt.png", PNG, content_type="image/png")},
    )

    assert response.status_code == 403
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert "A browser cannot keep a chosen file: choose it again." in texts
