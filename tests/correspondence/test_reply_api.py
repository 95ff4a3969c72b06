"""The messages API: /api/v1/complaints/<reference>/messages/ and its preview, retry, posted."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from complaints.models import Communication, State
from correspondence.models import Channel, Message, MessageTemplate, Purpose

pytestmark = pytest.mark.django_db

EMAIL = "li.lei@example.com"


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def complaint(make_complaint):
    return make_complaint(State.ASSIGNED, complainant_email=EMAIL)


@pytest.fixture
def template(db) -> MessageTemplate:
    template, _created = MessageTemplate.objects.update_or_create(
        purpose=Purpose.REPLY,
        channel=Channel.EMAIL,
        language="zh-hans",
        name="Apology",
        defaults={
            "subject": "About {{ reference }}",
            "body": "Dear {{ complainant_name }}, we are looking into {{ reference }}.",
            "active": True,
        },
    )
    return template


def url(complaint, tail: str = "") -> str:
    return f"/api/v1/complaints/{complaint.reference}/messages/{tail}"


def written(complaint):
    return Message.objects.filter(complaint=complaint, created_by__isnull=False)


def test_send_from_a_template_answers_201_with_the_message(api, frontline, complaint, template):
    api.force_authenticate(frontline)
    response = api.post(
        url(complaint), {"channel": "email", "template": template.pk}, format="json"
    )
    assert response.status_code == 201, response.data
    body = response.json()
    assert body["channel"] == "email"
    assert body["purpose"] == "reply"
    assert body["recipient"] == "l***@example.com"
    assert body["created_by"]["username"] == frontline.username
    assert body["body"] == f"Dear Li Lei, we are looking into {complaint.reference}."
    message = written(complaint).get()
    assert message.communication.direction == Communication.Direction.OUTBOUND


def test_the_same_idempotency_key_sends_once(api, frontline, complaint):
    api.force_authenticate(frontline)
    data = {"channel": "sms", "body": "About {{ reference }}", "urgent": True}
    first = api.post(url(complaint), data, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    second = api.post(url(complaint), data, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert written(complaint).count() == 1
    assert written(complaint).get().urgent


def test_without_a_key_each_request_is_a_new_message(api, frontline, complaint):
    api.force_authenticate(frontline)
    for _ in range(2):
        api.post(url(complaint), {"channel": "sms", "body": "Hi"}, format="json")
    assert written(complaint).count() == 2


def test_too_long_a_key_is_refused(api, frontline, complaint):
    api.force_authenticate(frontline)
    response = api.post(
        url(complaint),
        {"channel": "sms", "body": "Hi"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="x" * 65,
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_list_shows_every_message_newest_first(api, frontline, auditor, complaint):
    api.force_authenticate(frontline)
    api.post(url(complaint), {"channel": "sms", "body": "First"}, format="json")
    api.post(url(complaint), {"channel": "sms", "body": "Second"}, format="json")
    api.force_authenticate(auditor)  # auditors read
    response = api.get(url(complaint))
    assert response.status_code == 200
    bodies = [m["body"] for m in response.json() if m["created_by"]]
    assert [b.split("\n")[0][:6] for b in bodies][:2] == ["Second", "First"]


def test_preview_renders_and_saves_nothing(api, frontline, complaint, template):
    api.force_authenticate(frontline)
    before = Message.objects.count()
    response = api.post(
        url(complaint, "preview/"),
        {"channel": "email", "template": template.pk, "body": "Edited {{ reference }}"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["subject"] == f"About {complaint.reference}"
    assert response.json()["text"] == f"Edited {complaint.reference}"
    assert Message.objects.count() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"channel": "pigeon", "body": "Hi"}, "channel"),
        ({"channel": "email"}, "body"),
        ({"channel": "email", "template": 999999}, "template"),
        ({"channel": "email", "template": "1"}, "template"),
        ({"channel": "sms", "body": "Hi", "urgent": "yes"}, "urgent"),
        ({"channel": "email", "body": 5}, "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, frontline, complaint, data, field):
    api.force_authenticate(frontline)
    response = api.post(url(complaint), data, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not written(complaint).exists()


def test_an_unknown_variable_is_a_400(api, frontline, complaint):
    api.force_authenticate(frontline)
    for tail in ("", "preview/"):
        response = api.post(
            url(complaint, tail), {"channel": "email", "body": "{{ password }}"}, format="json"
        )
        assert response.status_code == 400
        assert "password" in str(response.json()["error"]["fields"])
    assert not written(complaint).exists()


def test_a_channel_the_complainant_did_not_give_is_a_400(api, frontline, complaint):
    api.force_authenticate(frontline)
    response = api.post(url(complaint), {"channel": "letter", "body": "Hi"}, format="json")
    assert response.status_code == 400
    assert not written(complaint).exists()


def test_a_template_of_another_channel_is_a_400(api, frontline, complaint, template):
    api.force_authenticate(frontline)
    response = api.post(url(complaint), {"channel": "sms", "template": template.pk}, format="json")
    assert response.status_code == 400
    assert "template" in response.json()["error"]["fields"]


def test_auditor_gets_403_and_invisible_complaints_404(
    api, auditor, frontline_b, complaint, template
):
    data = {"channel": "email", "template": template.pk}
    api.force_authenticate(auditor)
    assert api.post(url(complaint), data, format="json").status_code == 403
    assert api.post(url(complaint, "preview/"), data, format="json").status_code == 403
    api.force_authenticate(frontline_b)
    assert api.get(url(complaint)).status_code == 404
    assert api.post(url(complaint), data, format="json").status_code == 404
    assert not written(complaint).exists()


def test_anonymous_gets_401(api, complaint):
    assert api.get(url(complaint)).status_code == 401


def _failed(complaint) -> Message:
    return Message.objects.create(
        complaint=complaint,
        channel=Channel.SMS,
        purpose=Purpose.REPLY,
        event_key="test:failed",
        event_version=complaint.version,
        recipient="+8613800138000",
        language="zh-hans",
        body="Hello",
        status=Message.Status.FAILED,
        last_error="Gateway said no",
    )


def test_retry_requeues_a_failed_message(api, frontline, complaint):
    failed = _failed(complaint)
    api.force_authenticate(frontline)
    response = api.post(url(complaint, f"{failed.pk}/retry/"))
    assert response.status_code == 200
    assert response.json()["status"] != "failed"
    # Twice: it is no longer failed.
    again = api.post(url(complaint, f"{failed.pk}/retry/"))
    assert again.status_code == 409


def test_posted_refuses_anything_but_a_letter_to_post(api, frontline, complaint):
    failed = _failed(complaint)
    api.force_authenticate(frontline)
    response = api.post(url(complaint, f"{failed.pk}/posted/"))
    assert response.status_code == 409
    assert response.json()["error"]["message"]


@pytest.mark.parametrize("message_id", ["0", "abc", str(2**64), "99999"])
def test_unknown_message_ids_are_404(api, frontline, complaint, message_id):
    api.force_authenticate(frontline)
    assert api.post(url(complaint, f"{message_id}/retry/")).status_code == 404


def test_list_issues_a_fixed_number_of_queries(
    api, frontline, complaint, django_assert_max_num_queries
):
    api.force_authenticate(frontline)
    for n in range(5):
        api.post(url(complaint), {"channel": "sms", "body": f"Note {n}"}, format="json")
    with django_assert_max_num_queries(6):
        response = api.get(url(complaint))
    assert response.status_code == 200


def test_staff_kept_from_the_complainant_see_recipients_fully_hidden(
    api, manager, gm, dept_a, make_complaint
):
    complaint = make_complaint(
        State.ASSIGNED, complainant_email=EMAIL, confidential=True, subject_department=dept_a
    )
    api.force_authenticate(gm)
    assert (
        api.post(url(complaint), {"channel": "sms", "body": "Hi"}, format="json").status_code == 201
    )
    api.force_authenticate(manager)  # of the department complained about
    recipients = {m["recipient"] for m in api.get(url(complaint)).json()}
    assert "+86138****8000" not in recipients
    assert "+************0" in recipients
    assert (
        api.post(url(complaint), {"channel": "sms", "body": "Hi"}, format="json").status_code == 403
    )
