"""The complaint page and the forms that change a complaint, through HTTP as staff use them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services
from complaints.models import Attachment, Communication, Complaint, Note, State
from tests.conftest import RESOLUTION

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


def history_actions(complaint: Complaint) -> list[str]:
    return list(
        complaint.history.order_by("history_date", "history_id").values_list(
            "history_transition", flat=True
        )
    )


def message_texts(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def post_transition(client, complaint: Complaint, name: str, **data):
    data.setdefault("expected_version", complaint.version)
    return client.post(url(complaint, f"transitions/{name}/"), data)


# --- the complaint page ---------------------------------------------------------------------------


def test_complaint_page_shows_the_fields_and_a_timeline_of_every_kind_of_entry(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(
        State.ASSIGNED, request="An apology", subject_description="Counter 3"
    )
    services.add_note(complaint, by=frontline, body="Customer prefers mornings")
    services.log_communication(
        complaint, by=frontline, medium="call", direction="out", summary="Called back"
    )
    services.add_attachment(
        complaint,
        by=frontline,
        file=SimpleUploadedFile("receipt.png", PNG),
        original_name="receipt.png",
        content_type="image/png",
        size=len(PNG),
    )
    client.force_login(manager)

    response = client.get(url(complaint))

    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Rude agent", "An apology", "Counter 3", "Li Lei", "138 0013 8000"):
        assert text in page
    kinds = [entry.kind for entry in response.context["timeline"]]
    assert {"note", "communication", "attachment"} <= set(kinds)
    titles = [entry.title for entry in response.context["timeline"] if entry.kind == "history"]
    # The outbound call was the first response: a milestone row of its own.
    assert titles == ["Registered", "Classified", "Assigned", "First response to the complainant"]
    assign_entry = response.context["timeline"][2]
    assert ("Handler", "—", "frontline") in assign_entry.changes
    assert f"/complaints/{complaint.reference}/history/" in page


def test_complaint_page_masks_a_confidential_complainant_from_the_unit_complained_about(
    client, manager_b, gm, make_complaint, dept_b
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
    assert "13800138000" not in page
    assert "1*********0" in page
    assert "L****i" in page

    client.force_login(gm)
    page = client.get(url(complaint)).content.decode()
    assert "13800138000" in page


def test_complaint_page_offers_exactly_the_transitions_the_user_may_perform(
    client, frontline, manager, auditor, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    response = client.get(url(complaint))
    names = [t["name"] for t in response.context["transitions"]]
    assert names == services.available_transitions(complaint, frontline)
    assert "classify" in names and "assign" not in names
    classify = next(t for t in response.context["transitions"] if t["name"] == "classify")
    assert set(classify["form"].fields) == {
        "expected_version",
        "category",
        "priority",
        "department",
        "reason",
    }
    assert f'action="/complaints/{complaint.reference}/transitions/classify/"' in (
        response.content.decode()
    )

    client.force_login(auditor)
    response = client.get(url(complaint))
    assert response.status_code == 200
    assert response.context["transitions"] == []
    assert response.context["records"] == []
    assert 'data-bs-toggle="modal"' not in response.content.decode()


def test_assign_form_offers_the_departments_staff(
    client, manager, frontline, frontline_b, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(manager)
    response = client.get(url(complaint))
    assign = next(t for t in response.context["transitions"] if t["name"] == "assign")
    offered = set(assign["form"].fields["assignee"].queryset)
    assert frontline in offered and manager in offered
    assert frontline_b not in offered


def test_complaint_page_queries_do_not_grow_with_the_timeline(
    client, frontline, manager, make_complaint, django_assert_max_num_queries
):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(manager)
    # 19 (with the resolve modal's root-cause and responsibility pickers and the corrective
    # actions panel, #16), and the navigation's queue counts and saved views on a cold cache
    # (complaints.queues).
    with django_assert_max_num_queries(19 + 2):
        assert client.get(url(complaint)).status_code == 200
    for i in range(15):
        services.add_note(complaint, by=frontline, body=f"note {i}")
        services.log_communication(
            complaint, by=frontline, medium="call", direction="in", summary=f"call {i}"
        )
    complaint = services.escalate(reload(complaint), by=manager, reason="up")
    with django_assert_max_num_queries(19 + 2):
        response = client.get(url(complaint))
    assert len(response.context["timeline"]) >= 34


# --- visibility through the page and every POST view ----------------------------------------------

MUTATING = [
    ("transitions/classify/", {"category": "", "priority": "normal", "department": ""}),
    ("notes/", {"body": "hello"}),
    ("communications/", {"medium": "call", "direction": "in", "summary": "x"}),
    ("attachments/", {}),
]


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm", "auditor"])
def test_the_complaint_page_is_readable_by_those_who_see_the_complaint(
    request, client, persona, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(complaint)).status_code == 200


@pytest.mark.parametrize("persona", ["frontline_b", "manager_b", "outsider"])
def test_the_complaint_page_is_404_for_those_who_do_not_see_it(
    request, client, persona, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(complaint)).status_code == 404


def test_frontline_does_not_see_a_colleagues_complaint(client, frontline2, make_complaint):
    complaint = make_complaint(State.ASSIGNED)  # assigned to `frontline`
    client.force_login(frontline2)
    assert client.get(url(complaint)).status_code == 404


@pytest.mark.parametrize(("suffix", "data"), MUTATING)
@pytest.mark.parametrize("persona", ["frontline_b", "manager_b", "outsider"])
def test_posts_about_an_invisible_complaint_are_404_and_change_nothing(
    request, client, persona, suffix, data, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(url(complaint, suffix), {**data, "expected_version": 1})
    assert response.status_code == 404
    assert reload(complaint).version == complaint.version
    assert not Note.objects.exists() and not Communication.objects.exists()


@pytest.mark.parametrize(("suffix", "data"), MUTATING)
def test_auditor_posts_are_403_and_change_nothing(client, auditor, suffix, data, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(auditor)
    response = client.post(url(complaint, suffix), {**data, "expected_version": 1})
    assert response.status_code == 403
    assert history_actions(complaint) == ["register"]
    assert not Note.objects.exists() and not Communication.objects.exists()


@pytest.mark.parametrize(("suffix", "data"), MUTATING)
def test_a_get_on_a_post_only_view_is_405(client, frontline, suffix, data, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    assert client.get(url(complaint, suffix)).status_code == 405


def test_anonymous_users_are_sent_to_the_login_page(client, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    for address in ("/", "/complaints/", url(complaint), url(complaint, "notes/")):
        response = client.post(address) if address.endswith("notes/") else client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_an_unknown_transition_is_404(client, frontline, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    assert post_transition(client, complaint, "teleport").status_code == 404


# --- each transition: happy path and its history row ----------------------------------------------


def _happy(client, complaint, name, data, by, expected_state, expected_reason=""):
    client.force_login(by)
    response = post_transition(client, complaint, name, **data)
    assert response.status_code == 302, message_texts(response)
    assert response["Location"] == url(complaint)
    after = reload(complaint)
    assert after.state == expected_state
    assert after.version == complaint.version + 1
    row = after.history.order_by("-history_date", "-history_id").first()
    assert row.history_transition == name
    assert row.history_user == by
    assert row.history_change_reason == expected_reason
    return after, response


def test_classify_through_the_page(client, frontline, make_complaint, category, dept_a):
    complaint = make_complaint(State.RECEIVED)
    data = {
        "category": category.pk,
        "priority": "urgent",
        "department": dept_a.pk,
        "reason": "Billing issue",
    }
    after, response = _happy(
        client, complaint, "classify", data, frontline, State.CLASSIFIED, "Billing issue"
    )
    assert after.priority == "urgent" and after.category == category
    follow = client.get(response["Location"])
    assert f"{complaint.reference}: classified." in follow.content.decode()


def test_reject_through_the_page(client, manager, make_complaint):
    complaint = make_complaint(State.RECEIVED)
    data = {"reason_code": "outside_remit", "explanation": "Not our service"}
    after, _ = _happy(client, complaint, "reject", data, manager, State.REJECTED, "Not our service")
    assert after.reject_reason == "outside_remit"


def test_assign_through_the_page(client, manager, frontline2, make_complaint):
    complaint = make_complaint(State.CLASSIFIED)
    data = {"assignee": frontline2.pk, "department": "", "reason": "Yours"}
    after, _ = _happy(client, complaint, "assign", data, manager, State.ASSIGNED, "Yours")
    assert after.assignee == frontline2


def test_resolve_through_the_page(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    data = {**RESOLUTION, "substantiated": "true", "reason": ""}
    after, _ = _happy(client, complaint, "resolve", data, frontline, State.RESOLVED)
    assert after.substantiated is True and after.remedy_amount == Decimal("50.00")


def test_follow_up_through_the_page(client, frontline, make_complaint):
    complaint = make_complaint(State.RESOLVED)
    data = {"outcome": "satisfied", "comment": "Happy"}
    after, _ = _happy(client, complaint, "follow_up", data, frontline, State.FOLLOWED_UP, "Happy")
    assert after.follow_up_outcome == "satisfied"


def test_close_through_the_page(client, manager, make_complaint):
    complaint = make_complaint(State.FOLLOWED_UP)
    _happy(client, complaint, "close", {"reason": "Done"}, manager, State.CLOSED, "Done")


def test_reopen_through_the_page(client, manager, make_complaint):
    complaint = make_complaint(State.FOLLOWED_UP, outcome="dissatisfied")
    after, _ = _happy(
        client, complaint, "reopen", {"reason": "Not fixed"}, manager, State.ASSIGNED, "Not fixed"
    )
    assert after.reopen_count == 1


def test_withdraw_through_the_page(client, manager, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    data = {"reason_code": "mediation", "explanation": "Settled"}
    after, _ = _happy(client, complaint, "withdraw", data, manager, State.WITHDRAWN, "Settled")
    assert after.withdraw_reason == "mediation"


def test_escalate_through_the_page(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    after, _ = _happy(
        client,
        complaint,
        "escalate",
        {"reason": "Wants a manager"},
        frontline,
        State.ASSIGNED,
        "Wants a manager",
    )
    assert after.tier == "manager"


def test_approve_remedy_through_the_page(client, manager, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    data = {"amount": "800.00", "reason": "Goodwill"}
    after, _ = _happy(
        client, complaint, "approve_remedy", data, manager, State.ASSIGNED, "Goodwill"
    )
    assert after.remedy_approved_amount == Decimal("800.00")


# --- refusals: a clear message, the right status, nothing saved -----------------------------------


def test_a_stale_copy_is_refused_with_a_message_and_nothing_saved(
    client, manager, frontline2, frontline, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    seen_version = complaint.version
    # Someone else assigns it first.
    services.assign(complaint, by=manager, assignee=frontline)
    current = reload(complaint)
    client.force_login(manager)

    response = post_transition(
        client, complaint, "assign", assignee=frontline2.pk, expected_version=seen_version
    )

    assert response.status_code == 409
    page = response.content.decode()
    assert "was changed by someone else since you opened it" in page
    after = reload(complaint)
    assert after.assignee == frontline and after.version == current.version
    assert history_actions(after) == ["register", "classify", "assign"]
    # The page shown is the current complaint; the posted form stays open with what was typed,
    # moved onto the current version (tests/complaints/test_complaint_page.py has the details).
    assert response.context["complaint"].version == current.version
    assert response.context["open_form"] == "assign"
    assign = next(t for t in response.context["transitions"] if t["name"] == "assign")
    assert assign["form"].data["expected_version"] == str(current.version)


def test_a_refused_transition_shows_why_and_saves_nothing(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    # Beyond the frontline remedy limit (200) without an approval.
    data = {**RESOLUTION, "remedy_amount": "900.00", "substantiated": "false"}
    response = post_transition(client, complaint, "resolve", **data)
    assert response.status_code == 409
    assert "exceeds what your tier may grant" in response.content.decode()
    after = reload(complaint)
    assert after.state == State.ASSIGNED and after.root_cause == ""
    assert after.version == complaint.version
    # The form comes back open with what the user typed.
    assert response.context["open_form"] == "resolve"
    assert 'data-open-on-load="true"' in response.content.decode()


def test_a_move_the_state_does_not_allow_is_409(client, manager, make_complaint):
    complaint = make_complaint(State.CLOSED)
    client.force_login(manager)
    response = post_transition(client, complaint, "close", reason="again")
    assert response.status_code == 409
    assert "cannot be closed" in response.content.decode()
    assert history_actions(reload(complaint))[-1] == "close"
    assert reload(complaint).version == complaint.version


def test_a_forbidden_move_is_403_with_a_message(client, frontline, dept_b, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    # Frontline staff may not move a complaint to another department.
    response = post_transition(
        client, complaint, "assign", assignee=frontline.pk, department=dept_b.pk
    )
    assert response.status_code == 403
    assert "You may not assign complaints to another department." in response.content.decode()
    assert reload(complaint).department_id == complaint.department_id


def test_an_invalid_form_is_400_with_the_errors_and_nothing_saved(
    client, frontline, make_complaint
):
    complaint = make_complaint(State.RECEIVED)
    client.force_login(frontline)
    response = post_transition(client, complaint, "classify", priority="sky-high")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved: please correct the form." in page
    assert "This field is required." in page
    assert response.context["open_form"] == "classify"
    assert reload(complaint).state == State.RECEIVED
    assert history_actions(complaint) == ["register"]


# --- notes, contacts, attachments -----------------------------------------------------------------


def test_add_a_note(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(url(complaint, "notes/"), {"body": "Waiting for the invoice"})
    assert response.status_code == 302
    note = Note.objects.get(complaint=complaint)
    assert note.body == "Waiting for the invoice" and note.author == frontline
    row = note.history.get()
    assert (row.history_transition, row.history_user) == ("note", frontline)
    assert "Waiting for the invoice" in client.get(url(complaint)).content.decode()


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm"])
def test_every_handling_tier_adds_notes_to_a_complaint_it_handles(
    request, client, persona, make_complaint
):
    complaint = make_complaint(State.ASSIGNED)  # assigned to `frontline`, department A
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(url(complaint, "notes/"), {"body": f"seen by {persona}"})
    assert response.status_code == 302
    assert Note.objects.get(complaint=complaint).author == user


def test_an_empty_note_is_400_and_saves_nothing(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(url(complaint, "notes/"), {"body": ""})
    assert response.status_code == 400
    assert response.context["open_form"] == "note"
    assert not Note.objects.exists()


def test_a_note_by_someone_who_sees_but_does_not_handle_is_403(
    client, frontline, manager, make_complaint
):
    complaint = make_complaint(State.CLASSIFIED)
    services.escalate(complaint, by=manager, reason="Manager takes it")  # now at manager tier
    client.force_login(frontline)
    # Frontline still sees the unassigned complaint in the department queue...
    assert client.get(url(complaint)).status_code == 200
    # ...but does not handle it at the manager tier.
    response = client.post(url(complaint, "notes/"), {"body": "hi"})
    assert response.status_code == 403
    assert "You may not add to this complaint." in response.content.decode()
    assert not Note.objects.exists()


def test_log_a_call_sets_the_first_response(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(
        url(complaint, "communications/"),
        {"medium": "call", "direction": "out", "summary": "Explained the bill", "public": "on"},
    )
    assert response.status_code == 302
    comm = Communication.objects.get(complaint=complaint)
    assert comm.public and comm.author == frontline
    assert comm.history.get().history_transition == "communication"
    after = reload(complaint)
    assert after.first_response_at == comm.occurred_at
    assert history_actions(after)[-1] == "first_response"


def test_a_contact_in_the_future_is_refused(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    when = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        url(complaint, "communications/"),
        {"medium": "letter", "direction": "out", "summary": "x", "occurred_at": when},
    )
    assert response.status_code == 400
    assert "A contact cannot be logged in the future." in response.content.decode()
    assert not Communication.objects.exists()


def test_upload_an_attachment_and_download_it(client, frontline, frontline_b, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(
        url(complaint, "attachments/"),
        {"file": SimpleUploadedFile("photo.png", PNG, content_type="image/png")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(complaint=complaint)
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "photo.png",
        "image/png",
        len(PNG),
    )
    assert attachment.history.get().history_transition == "attachment"
    download = client.get(url(complaint, f"attachments/{attachment.pk}/"))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert 'filename="photo.png"' in download["Content-Disposition"]

    client.force_login(frontline_b)
    assert client.get(url(complaint, f"attachments/{attachment.pk}/")).status_code == 404


def test_an_attachment_of_a_refused_type_is_400_with_the_reason(client, frontline, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(
        url(complaint, "attachments/"),
        {"file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf")},
    )
    assert response.status_code == 400
    assert "is not an accepted type" in response.content.decode()
    assert not Attachment.objects.exists()


def test_an_attachment_over_the_size_limit_is_400(client, frontline, make_complaint, settings):
    settings.REDRESS_UPLOAD_MAX_BYTES = 32
    complaint = make_complaint(State.ASSIGNED)
    client.force_login(frontline)
    response = client.post(
        url(complaint, "attachments/"), {"file": SimpleUploadedFile("big.png", PNG)}
    )
    assert response.status_code == 400
    assert "the limit is 32" in response.content.decode()
    assert not Attachment.objects.exists()
