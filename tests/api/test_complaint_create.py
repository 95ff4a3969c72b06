"""POST /api/v1/complaints/: registration, its validation, and Idempotency-Key retries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Complaint, IdempotencyKey, ReferenceSequence, Tier
from tests.api.conftest import RowLock, error_of, join, run_together, url

pytestmark = pytest.mark.django_db

BODY = {
    "channel": "phone",
    "description": "The agent hung up on me twice.",
    "request": "An apology",
    "complainant_name": "王芳",
    "complainant_phone": "+86 138-0013-8000",
}


def test_registering_creates_a_received_complaint_in_the_users_department(api, frontline, dept_a):
    response = api(frontline).post(url(), BODY, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    complaint = Complaint.objects.get(reference=body["reference"])
    assert body["state"] == "received"
    assert body["version"] == 1
    assert response["Location"] == f"http://testserver/api/v1/complaints/{complaint.reference}/"
    assert response["ETag"] == '"1"'
    assert complaint.department == dept_a
    assert complaint.created_by == frontline
    assert complaint.complainant_phone_norm == "13800138000"
    assert "classify" in body["available_transitions"]
    row = complaint.history.get()
    assert (row.history_transition, row.history_user) == ("register", frontline)


def test_registering_takes_every_intake_field(
    api, manager, dept_a, dept_b, category, frontline_b, make_complaint
):
    earlier = make_complaint()
    received = timezone.now() - timedelta(hours=3)
    body = {
        **BODY,
        "channel": "transfer",
        "received_at": received.isoformat(),
        "complainant_email": "wang@example.test",
        "complainant_id_number": "粤B 12345",
        "complainant_language": "en",
        "confidential": True,
        "subject_department": dept_b.pk,
        "subject_person": frontline_b.pk,
        "subject_description": "The billing desk",
        "category": category.pk,
        "priority": "major",
        "department": dept_a.pk,
        "promised_reply_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "repeat_of": earlier.reference,
        "reason": "Transferred by the regulator",
    }
    response = api(manager).post(url(), body, format="json")
    assert response.status_code == 201, response.content
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    assert complaint.received_at == received
    assert complaint.subject_person == frontline_b
    assert complaint.category == category
    assert complaint.repeat_of == earlier
    assert complaint.tier == Tier.MANAGER  # major complaints go straight to a manager
    assert complaint.history.get().history_change_reason == "Transferred by the regulator"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "pigeon"}, "channel"),
        ({"description": ""}, "description"),
        ({"description": None}, "description"),
        ({"description": 42}, "description"),
        ({"complainant_email": "not-an-email"}, "complainant_email"),
        ({"complainant_name": "x" * 121}, "complainant_name"),
        ({"complainant_name": "nul\x00byte"}, "complainant_name"),
        ({"complainant_name": "lone \ud800 surrogate"}, "complainant_name"),
        ({"priority": "whenever"}, "priority"),
        ({"category": 999999}, "category"),
        ({"department": "abc"}, "department"),
        ({"received_at": "2999-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "0959-10-23T22:03:30Z"}, "received_at"),
        ({"promised_reply_at": "2101-01-01T00:00:00Z"}, "promised_reply_at"),
        (
            {"received_at": "2026-01-02T00:00:00Z", "promised_reply_at": "2026-01-01T00:00:00Z"},
            "promised_reply_at",
        ),
        ({"repeat_of": "C-1999-000001"}, "repeat_of"),
        ({"confidential": "perhaps"}, "confidential"),
    ],
)
def test_invalid_registration_is_400_naming_the_field_and_saves_nothing(
    api, frontline, change, field
):
    # Encoded by hand: json.dumps escapes a lone surrogate as "\ud800", as a client would.
    body = json.dumps({**BODY, **change})
    response = api(frontline).post(url(), body, content_type="application/json")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert not Complaint.objects.exists()


def test_a_parent_category_is_refused_as_a_registration_category(api, frontline, category):
    response = api(frontline).post(url(), {**BODY, "category": category.parent_id}, format="json")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["category"]


def test_a_body_that_is_not_json_is_400(api, frontline):
    response = api(frontline).post(url(), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_a_form_encoded_body_is_415(api, frontline):
    response = api(frontline).post(url(), BODY)  # multipart
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_repeat_of_a_complaint_the_user_may_not_see_is_refused_like_a_missing_one(
    api, frontline, frontline_b
):
    from complaints import services

    theirs = services.register(by=frontline_b, channel="phone", description="Billing")
    response = api(frontline).post(url(), {**BODY, "repeat_of": theirs.reference}, format="json")
    assert response.status_code == 400
    assert "repeat_of" in error_of(response)["fields"]


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_auditors_and_logins_without_a_tier_cannot_register(api, persona, request):
    response = api(request.getfixturevalue(persona)).post(url(), BODY, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert not Complaint.objects.exists()


class TestIdempotencyKey:
    def test_a_retry_with_the_same_key_returns_the_same_complaint_with_200(self, api, frontline):
        client = api(frontline)
        first = client.post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
        retry = client.post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="abc-123")
        assert (first.status_code, retry.status_code) == (201, 200)
        assert first.json()["reference"] == retry.json()["reference"]
        assert Complaint.objects.count() == 1

    def test_without_a_key_every_post_registers_a_new_complaint(self, api, frontline):
        client = api(frontline)
        assert client.post(url(), BODY, format="json").status_code == 201
        assert client.post(url(), BODY, format="json").status_code == 201
        assert Complaint.objects.count() == 2

    def test_keys_are_scoped_per_user(self, api, frontline, frontline2):
        one = api(frontline).post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
        two = api(frontline2).post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k")
        assert (one.status_code, two.status_code) == (201, 201)
        assert one.json()["reference"] != two.json()["reference"]
        assert set(IdempotencyKey.objects.values_list("scope", flat=True)) == {
            f"api:{frontline.pk}",
            f"api:{frontline2.pk}",
        }

    def test_an_overlong_key_is_400(self, api, frontline):
        response = api(frontline).post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="k" * 201)
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["Idempotency-Key"]
        assert not Complaint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_the_same_key_register_one_complaint(api, frontline):
    """Both requests pass the "is this key known?" check and queue on the reference counter
    (held here from a third connection) before either commits; the unique constraint on the key
    decides, and the loser answers with the winner's complaint."""
    year = timezone.localtime().year
    ReferenceSequence.objects.create(year=year)
    clients = [api(frontline), api(frontline)]

    def post(client):
        response = client.post(url(), BODY, format="json", HTTP_IDEMPOTENCY_KEY="same")
        return response.status_code, response.json()["reference"]

    with RowLock(ReferenceSequence.objects.filter(year=year)) as lock:
        threads, results, errors = run_together(*(lambda c=c: post(c) for c in clients))
        lock.wait_for_waiters(2)
    join(threads, errors)

    assert sorted(status for status, _ref in results) == [200, 201]
    assert len({ref for _status, ref in results}) == 1
    assert Complaint.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
