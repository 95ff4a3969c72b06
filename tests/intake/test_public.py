"""The public pages: the complaint form at /submit/, tracking at /track/, appeals."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail as outbox
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from complaints import services
from complaints.models import Attachment, Communication, Complaint, IdempotencyKey
from tests.intake.conftest import PDF, exe, pdf, png

FORM = {
    "complainant_name": "王芳",
    "complainant_phone": "139 1234 5678",
    "complainant_email": "wang.fang@example.cn",
    "subject_description": "城西营业厅",
    "description": "营业员拒绝为我办理退费，还说这是公司规定。",
    "request": "按规定退费",
    "consent": "on",
    "submission_token": "0123456789abcdef0123456789abcdef",
}


def post(client, **overrides):
    data = {**FORM, **overrides}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/submit/", data, headers={"Accept-Language": "en"})


# --- the form -------------------------------------------------------------------------------------


def test_the_form_is_public_and_shows_the_consent_text_and_a_fresh_token(client, db):
    response = client.get("/submit/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "I agree that the organisation stores the details above" in html
    assert 'name="website"' in html and 'class="intake-hp"' in html  # the honeypot
    token = response.context["form"].initial["submission_token"]
    assert len(token) == 32
    assert client.get("/submit/").context["form"].initial["submission_token"] != token


def test_a_submission_registers_a_web_complaint_and_shows_reference_and_tracking_code(
    client, category, on_commit
):
    with on_commit():
        response = post(client, category=str(category.pk), attachments=[pdf(), png("现场照片.png")])
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == "/submit/done/"
    assert complaint.channel == "web"
    assert complaint.created_by is None
    assert complaint.department is None  # the unrouted intake queue
    assert complaint.complainant_language == "en"
    assert complaint.category == category
    assert complaint.subject_description == "城西营业厅"
    assert complaint.description == FORM["description"]
    files = Attachment.objects.filter(complaint=complaint).order_by("id")
    assert [(a.original_name, a.content_type, a.public) for a in files] == [
        ("receipt.pdf", "application/pdf", True),
        ("现场照片.png", "image/png", True),
    ]
    done = client.get("/submit/done/", headers={"Accept-Language": "en"})
    assert done.status_code == 200
    html = done.content.decode()
    assert complaint.reference in html
    assert complaint.tracking_code in html
    # And by email, with the tracking code.
    [ack] = outbox.outbox
    assert complaint.tracking_code in ack.body


def test_the_done_page_shows_nothing_to_a_visitor_who_submitted_nothing(client, db):
    assert client.get("/submit/done/")["Location"] == "/submit/"


def test_a_double_clicked_form_registers_one_complaint(client, db, on_commit):
    with on_commit():
        first = post(client, attachments=[pdf()])
        second = post(client, attachments=[pdf()])
    assert first.status_code == second.status_code == 302
    complaint = Complaint.objects.get()
    assert Attachment.objects.filter(complaint=complaint).count() == 1
    assert len(outbox.outbox) == 1
    assert IdempotencyKey.objects.get().scope == "web-form"


def test_a_new_form_token_is_a_new_complaint(client, db):
    post(client)
    post(client, submission_token="f" * 32)
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": ""}, "This field is required."),
        ({"consent": None}, "This field is required."),
        (
            {"complainant_phone": "", "complainant_email": ""},
            "Give a phone number or an email address so that we can answer you.",
        ),
        ({"complainant_email": "wang.fang@"}, "Enter a valid email address."),
        ({"description": "长" * 5001}, "Ensure this value has at most 5000 characters"),
        ({"attachments": [exe()]}, "The file invoice.pdf is not an accepted type."),
        ({"attachments": [pdf(f"{n}.pdf") for n in range(6)]}, "Attach at most 5 files."),
        ({"submission_token": "../../etc"}, "The form is damaged"),
    ],
)
def test_bad_input_answers_400_with_a_clear_message_and_saves_nothing(
    client, db, overrides, message
):
    response = post(client, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused_with_its_size_and_the_limit(client, db, settings):
    settings.REDRESS_UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    response = post(client, attachments=[big])
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r"The file scan\.pdf is 4\.\d\WKB; the limit is 1\.0\WKB\.", html)
    assert not Complaint.objects.exists()


def test_an_oversized_request_is_refused_before_it_is_read(client, db, settings):
    settings.REDRESS_PUBLIC_MAX_REQUEST_BYTES = 2000
    response = post(client, attachments=[pdf()], description="x" * 3000)
    assert response.status_code == 413
    assert "Your submission is too large" in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_body_that_is_not_a_form_is_answered_with_what_the_form_is_missing(client, db):
    response = client.post(
        "/submit/",
        data='{"description": "json"}',
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Complaint.objects.exists()


def test_a_filled_honeypot_is_refused_and_nothing_saved(client, db):
    response = post(client, website="http://spam.example")
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_one_network_may_post_only_so_many_times_per_window(client, db, settings):
    settings.REDRESS_PUBLIC_SUBMIT_LIMIT = 3
    for n in range(3):
        assert post(client, submission_token=f"{n:032x}").status_code == 302
    response = post(client, submission_token="a" * 32)
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Complaint.objects.count() == 3
    other_network = Client(REMOTE_ADDR="198.51.100.7")
    assert post(other_network, submission_token="b" * 32).status_code == 302


def test_behind_a_proxy_the_configured_header_names_the_client(client, db, settings):
    settings.REDRESS_PUBLIC_SUBMIT_LIMIT = 1
    settings.REDRESS_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    first = Client(HTTP_X_REAL_IP="203.0.113.1")
    second = Client(HTTP_X_REAL_IP="203.0.113.2")
    assert post(first).status_code == 302
    assert post(first, submission_token="c" * 32).status_code == 429
    assert post(second, submission_token="d" * 32).status_code == 302


def test_the_form_is_protected_against_cross_site_posts(db):
    response = post(Client(enforce_csrf_checks=True))
    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_put_is_not_allowed(client, db):
    assert client.put("/submit/").status_code == 405


# --- tracking -------------------------------------------------------------------------------------


def track(client, reference, **data):
    return client.post(
        "/track/", {"reference": reference, **data}, headers={"Accept-Language": "en"}
    )


def test_reference_and_tracking_code_open_the_status_page(client, web_complaint):
    complaint = web_complaint()
    response = track(client, complaint.reference.lower(), tracking_code=complaint.tracking_code)
    assert response.status_code == 302
    assert response["Location"] == f"/track/{complaint.reference}/"
    page = client.get(response["Location"], headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Received, awaiting a decision on acceptance" in page.content.decode()


@pytest.mark.parametrize("contact", ["+86 139-1234-5678", "WANG.FANG@example.cn"])
def test_the_phone_or_email_given_verifies_instead_of_the_code(client, web_complaint, contact):
    complaint = web_complaint(complainant_phone="13912345678")
    response = track(client, complaint.reference, contact=contact)
    assert response["Location"] == f"/track/{complaint.reference}/"


@pytest.mark.parametrize(
    "data",
    [
        {"tracking_code": "WRONGCODE2"},
        {"tracking_code": "错误"},  # non-ASCII must not crash the constant-time compare
        {"contact": "13800000000"},
        {"contact": "someone@example.cn"},
    ],
)
def test_wrong_details_answer_404_and_reveal_nothing(client, web_complaint, data):
    complaint = web_complaint(complainant_phone="13912345678")
    response = track(client, complaint.reference, **data)
    assert response.status_code == 404
    assert "No complaint matches these details." in response.content.decode()
    assert complaint.description not in response.content.decode()


def test_tracking_needs_a_code_or_a_contact(client, web_complaint):
    response = track(client, web_complaint().reference)
    assert response.status_code == 400


def test_the_status_page_needs_the_visitor_to_have_proved_it_is_theirs(client, web_complaint):
    complaint = web_complaint()
    response = client.get(f"/track/{complaint.reference}/")
    assert response.status_code == 302
    assert response["Location"] == f"/track/?reference={complaint.reference}"


def test_repeated_failures_from_one_network_are_stopped(client, web_complaint, settings):
    settings.REDRESS_PUBLIC_TRACK_LIMIT = 3
    complaint = web_complaint()
    for _ in range(3):
        assert track(client, complaint.reference, tracking_code="AAAAAAAAAA").status_code == 404
    blocked = track(client, complaint.reference, tracking_code=complaint.tracking_code)
    assert blocked.status_code == 429


def test_status_page_shows_public_replies_only_never_notes_or_staff(
    client, make_complaint, frontline, manager
):
    complaint = make_complaint(
        "assigned", complainant_email="li.lei@example.cn", complainant_language="en"
    )
    services.add_note(complaint, by=frontline, body="INTERNAL: customer is a known troll")
    services.log_communication(
        complaint, by=frontline, medium="call", direction="out", summary="INTERNAL call log"
    )
    services.log_communication(
        complaint,
        by=frontline,
        medium="email",
        direction="out",
        summary="We are checking the recording of your call.",
        public=True,
    )
    services.log_communication(
        complaint,
        by=frontline,
        medium="call",
        direction="in",
        summary="Caller shouted",
        public=True,
    )
    track(client, complaint.reference, tracking_code=complaint.tracking_code)
    html = client.get(
        f"/track/{complaint.reference}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "We are checking the recording of your call." in html
    assert "Accepted, being handled" in html
    for secret in ("INTERNAL", "Caller shouted", "frontline", "manager", "Customer service"):
        assert secret not in html
    assert Communication.objects.filter(complaint=complaint).count() == 3


def test_status_page_of_a_rejected_complaint_gives_the_reason(client, web_complaint, manager):
    complaint = web_complaint()
    services.reject(
        complaint,
        by=manager,
        reason_code="other_proceedings",
        explanation="The matter is before the arbitration commission.",
    )
    track(client, complaint.reference, tracking_code=complaint.tracking_code)
    html = client.get(
        f"/track/{complaint.reference}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Not accepted" in html
    assert "Already before a court or arbitration" in html
    assert "The matter is before the arbitration commission." in html


def test_status_page_of_a_resolved_complaint_gives_the_answer(client, make_complaint):
    complaint = make_complaint("resolved")
    track(client, complaint.reference, tracking_code=complaint.tracking_code)
    html = client.get(
        f"/track/{complaint.reference}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Apologised and retrained the agent" in html
    assert "Agent skipped the script" not in html  # the root cause is internal


def test_the_status_page_costs_a_fixed_number_of_queries(
    client, make_complaint, frontline, django_assert_max_num_queries
):
    complaint = make_complaint("assigned")
    for n in range(10):
        services.log_communication(
            complaint, by=frontline, medium="email", direction="out", summary=f"#{n}", public=True
        )
    track(client, complaint.reference, tracking_code=complaint.tracking_code)
    with django_assert_max_num_queries(6):
        assert client.get(f"/track/{complaint.reference}/").status_code == 200


# --- appeals --------------------------------------------------------------------------------------


@pytest.fixture
def closed(make_complaint, dept_a, category):
    complaint = make_complaint(
        "closed", complainant_email="li.lei@example.cn", complainant_language="en"
    )
    return complaint


def appeal(client, complaint, **data):
    track(client, complaint.reference, tracking_code=complaint.tracking_code)
    return client.post(
        f"/track/{complaint.reference}/appeal/",
        {"description": "The goodwill credit does not cover my costs.", **data},
        headers={"Accept-Language": "en"},
    )


def test_a_closed_complaint_can_be_appealed_from_the_tracking_page(client, closed, on_commit):
    page = client.get(f"/track/{closed.reference}/")
    assert page.status_code == 302  # not yet verified
    track(client, closed.reference, tracking_code=closed.tracking_code)
    html = client.get(f"/track/{closed.reference}/", headers={"Accept-Language": "en"})
    assert "you may appeal until" in html.content.decode()
    with on_commit():
        response = appeal(client, closed, attachments=[pdf("costs.pdf")])
    assert response["Location"] == "/submit/done/"
    appeal_complaint = Complaint.objects.get(appeal_of=closed)
    assert appeal_complaint.tier == "manager"  # appeals start with the department manager
    assert appeal_complaint.department == closed.department
    assert appeal_complaint.category == closed.category
    assert appeal_complaint.channel == "web"
    assert appeal_complaint.complainant_email == "li.lei@example.cn"
    assert appeal_complaint.state == "received"
    assert appeal_complaint.attachments.get().original_name == "costs.pdf"
    done = client.get("/submit/done/", headers={"Accept-Language": "en"}).content.decode()
    assert "Appeal received" in done and appeal_complaint.tracking_code in done
    assert outbox.outbox[0].subject == f"[{appeal_complaint.reference}] Received"
    # The original now says so instead of offering a second appeal.
    again = client.get(f"/track/{closed.reference}/", headers={"Accept-Language": "en"})
    assert f"Your appeal was registered as {appeal_complaint.reference}" in again.content.decode()


def test_a_second_appeal_of_the_same_complaint_returns_the_first(client, closed):
    appeal(client, closed)
    appeal(client, closed, description="Another try")
    assert Complaint.objects.filter(appeal_of=closed).count() == 1


def test_an_appeal_after_the_window_is_refused_with_409(client, closed, settings, time_machine):
    settings.REDRESS_APPEAL_WINDOW_DAYS = 15
    time_machine.move_to(timezone.now() + dt.timedelta(days=16))
    track(client, closed.reference, tracking_code=closed.tracking_code)
    page = client.get(f"/track/{closed.reference}/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert f"/track/{closed.reference}/appeal/" not in page.content.decode()  # no form offered
    response = appeal(client, closed)
    assert response.status_code == 409
    assert "cannot be appealed" in response.content.decode()
    assert not Complaint.objects.filter(appeal_of=closed).exists()


def test_an_open_complaint_cannot_be_appealed(client, web_complaint):
    complaint = web_complaint()
    response = appeal(client, complaint)
    assert response.status_code == 409
    assert not Complaint.objects.filter(appeal_of=complaint).exists()


def test_an_appeal_needs_its_grounds(client, closed):
    response = appeal(client, closed, description="")
    assert response.status_code == 400
    assert not Complaint.objects.filter(appeal_of=closed).exists()


def test_an_appeal_post_without_verification_goes_back_to_tracking(client, closed):
    response = client.post(f"/track/{closed.reference}/appeal/", {"description": "x"})
    assert response.status_code == 302
    assert not Complaint.objects.filter(appeal_of=closed).exists()
