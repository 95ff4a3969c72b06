"""Staff registration at /complaints/new/: every staff channel end to end, evidence, promised
reply time, repeat/duplicate/appeal links, double clicks, bad input, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail as outbox
from django.utils import timezone

from complaints.models import Attachment, Complaint, IdempotencyKey
from tests.intake.conftest import exe, pdf, png

URL = "/complaints/new/"


def form(**overrides):
    data = {
        "channel": "phone",
        "complainant_name": "李雷",
        "complainant_phone": "138 0013 8000",
        "complainant_email": "",
        "complainant_id_number": "",
        "complainant_language": "zh-hans",
        "subject_description": "Counter 3",
        "description": "The agent hung up on me twice.",
        "request": "An apology",
        "priority": "normal",
        "submission_token": "1" * 32,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(client, user, **overrides):
    client.force_login(user)
    return client.post(URL, form(**overrides), headers={"Accept-Language": "en"})


# --- every staff channel end to end ---------------------------------------------------------------


@pytest.mark.parametrize(
    "channel", ["phone", "counter", "letter", "transfer", "internal", "email", "social"]
)
def test_staff_register_a_complaint_from_each_staff_channel(
    client, frontline, dept_a, category, channel, on_commit
):
    promised = timezone.localtime() + dt.timedelta(days=2)
    with on_commit():
        response = register(
            client,
            frontline,
            channel=channel,
            complainant_email="li.lei@example.cn",
            category=str(category.pk),
            promised_reply_at=promised.strftime("%Y-%m-%dT%H:%M"),
            attachments=[pdf(), png()],
        )
    complaint = Complaint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/complaints/{complaint.reference}/"
    assert complaint.channel == channel
    assert complaint.created_by == frontline
    assert complaint.department == dept_a  # the registering agent's department
    assert complaint.state == "received"
    assert complaint.category == category
    assert complaint.complainant_phone_norm == "13800138000"
    assert complaint.promised_reply_at.replace(second=0, microsecond=0) == promised.replace(
        second=0, microsecond=0
    )
    files = Attachment.objects.filter(complaint=complaint).order_by("id")
    assert [(f.original_name, f.uploaded_by, f.public) for f in files] == [
        ("receipt.pdf", frontline, False),
        ("photo.png", frontline, False),
    ]
    history = complaint.history.get()
    assert (history.history_transition, history.history_user) == ("register", frontline)
    assert len(outbox.outbox) == 1  # acknowledgement to the email given


def test_the_form_shows_the_earlier_complaints_panel_and_its_script(client, frontline):
    client.force_login(frontline)
    response = client.get(URL, headers={"Accept-Language": "en"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-url="/complaints/new/earlier/"' in html
    assert "/static/intake/earlier.js" in html
    assert 'data-earlier-lookup="complainant_phone"' in html
    assert "https://" not in html.split("<body")[1]  # no CDN


def test_a_major_complaint_keeps_its_evidence_though_it_leaves_frontline_hands(client, frontline):
    register(client, frontline, priority="major", attachments=[pdf()])
    complaint = Complaint.objects.get()
    assert complaint.tier == "manager"
    attachment = complaint.attachments.get()
    assert attachment.uploaded_by == frontline  # the registering agent, though out of their hands
    assert complaint.history.get().history_user == frontline


def test_time_received_defaults_to_now_and_may_be_earlier(client, frontline):
    before = timezone.now()
    register(client, frontline)
    assert Complaint.objects.get().received_at >= before
    earlier = timezone.localtime() - dt.timedelta(hours=3)
    register(client, frontline, submission_token="2" * 32, received_at=earlier.isoformat())
    assert Complaint.objects.order_by("id").last().received_at < before


# --- double clicks -------------------------------------------------------------------------------


def test_a_double_clicked_form_registers_one_complaint_with_its_files_once(client, frontline):
    first = register(client, frontline, attachments=[pdf()])
    second = register(client, frontline, attachments=[pdf()])
    complaint = Complaint.objects.get()
    assert first["Location"] == second["Location"] == complaint.get_absolute_url()
    assert complaint.attachments.count() == 1
    assert IdempotencyKey.objects.get().scope == f"staff-form:{frontline.pk}"


def test_two_agents_tokens_never_collide(client, frontline, frontline2):
    register(client, frontline)
    register(client, frontline2)
    assert Complaint.objects.count() == 2


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"description": ""}, "This field is required."),
        ({"channel": "web"}, "Select a valid choice."),
        (
            {"complainant_name": "", "complainant_phone": ""},
            "Record at least one way to identify or reach the complainant.",
        ),
        ({"complainant_email": "li.lei@"}, "Enter a valid email address."),
        ({"attachments": [exe()]}, "The file invoice.pdf is not an accepted type."),
        ({"promised_reply_at": "2001-01-01T10:00"}, "A promised reply time must be in the future."),
        ({"received_at": "2099-01-01T10:00"}, "The time received cannot be in the future."),
        ({"received_at": "2999-01-01T10:00"}, "Enter a date between the years 2000 and 2099."),
        (
            {"promised_reply_at": "9999-12-31T23:59"},
            "Enter a date between the years 2000 and 2099.",
        ),
        ({"repeat_of_reference": "C-1999-000001"}, "No complaint you can see has this reference."),
        ({"submission_token": "not-a-token"}, "The form is damaged"),
    ],
)
def test_bad_input_answers_400_and_saves_nothing(client, frontline, overrides, message):
    response = register(client, frontline, **overrides)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused_and_nothing_saved(client, frontline, settings):
    settings.REDRESS_UPLOAD_MAX_BYTES = 100
    response = register(client, frontline, attachments=[pdf()])
    assert response.status_code == 400
    assert "the limit is 100" in response.content.decode()
    assert not Complaint.objects.exists()


# --- access ---------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_auditors_and_outsiders_may_not_register(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, form()).status_code == 403
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("persona", ["frontline", "manager", "gm"])
def test_every_handling_tier_may_register(client, request, persona):
    register(client, request.getfixturevalue(persona))
    assert Complaint.objects.get().created_by.username == persona


def test_delete_is_not_allowed(client, frontline):
    client.force_login(frontline)
    assert client.delete(URL).status_code == 405


# --- repeat, duplicate, appeal --------------------------------------------------------------------


def test_a_repeat_is_linked_at_registration(client, frontline, make_complaint):
    earlier = make_complaint("closed")
    register(client, frontline, repeat_of_reference=earlier.reference.lower())
    new = Complaint.objects.exclude(pk=earlier.pk).get()
    assert new.repeat_of == earlier
    assert new.state == "received"
    assert list(earlier.repeats.all()) == [new]


def test_a_duplicate_is_registered_and_merged_into_the_open_case(client, frontline, make_complaint):
    open_case = make_complaint("classified")
    response = register(client, frontline, merge_into_reference=open_case.reference)
    duplicate = Complaint.objects.exclude(pk=open_case.pk).get()
    assert response["Location"] == duplicate.get_absolute_url()
    assert duplicate.state == "withdrawn"
    assert duplicate.withdraw_reason == "merged"
    assert duplicate.merged_into == open_case
    assert [h.history_transition for h in duplicate.history.order_by("history_id")] == [
        "register",
        "withdraw",
    ]
    assert open_case.history.count() == 2  # its own history untouched (register, classify)


def test_a_duplicate_cannot_be_merged_into_a_closed_case(client, frontline, make_complaint):
    closed = make_complaint("closed")
    response = register(client, frontline, merge_into_reference=closed.reference)
    assert response.status_code == 400
    assert "Only an open complaint can take in a duplicate." in response.content.decode()
    assert Complaint.objects.count() == 1


def test_a_complaint_is_a_repeat_or_a_duplicate_not_both(client, frontline, make_complaint):
    earlier = make_complaint("classified")
    response = register(
        client,
        frontline,
        repeat_of_reference=earlier.reference,
        merge_into_reference=earlier.reference,
    )
    assert response.status_code == 400
    assert Complaint.objects.count() == 1


def test_a_refused_merge_saves_nothing_at_all(client, frontline, make_complaint):
    # A frontline agent may not terminate a major complaint, so the merge of a major duplicate is
    # refused (403) and the registration it belonged to is rolled back with it.
    open_case = make_complaint("classified")
    response = register(
        client, frontline, priority="major", merge_into_reference=open_case.reference
    )
    assert response.status_code == 403
    assert Complaint.objects.count() == 1


def test_complaints_the_agent_cannot_see_cannot_be_linked(
    client, frontline, make_complaint, dept_b
):
    hidden = make_complaint("received", department=dept_b)
    response = register(client, frontline, repeat_of_reference=hidden.reference)
    assert response.status_code == 400
    assert Complaint.objects.count() == 1


def test_staff_register_an_appeal_against_a_closed_complaint(client, manager, make_complaint):
    closed = make_complaint("closed", complainant_email="li.lei@example.cn")
    register(
        client,
        manager,
        appeal_of_reference=closed.reference,
        complainant_name="",
        complainant_phone="",
        description="The complainant disputes the outcome by phone.",
    )
    appeal = Complaint.objects.get(appeal_of=closed)
    assert appeal.tier == "manager"
    assert appeal.complainant_email == "li.lei@example.cn"  # copied from the original
    assert appeal.department == closed.department
    # A second registration of the same appeal finds the first.
    response = register(
        client, manager, appeal_of_reference=closed.reference, submission_token="3" * 32
    )
    assert response["Location"] == appeal.get_absolute_url()
    assert Complaint.objects.filter(appeal_of=closed).count() == 1


def test_an_open_complaint_cannot_be_appealed_by_staff_either(client, manager, make_complaint):
    open_case = make_complaint("assigned")
    response = register(client, manager, appeal_of_reference=open_case.reference)
    assert response.status_code == 400
    # A closed complaint's outcome, or a refusal (不予受理复查), may be appealed; nothing open.
    assert "only a closed complaint can" in response.content.decode()
