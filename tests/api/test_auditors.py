"""Auditors read everything and change nothing: every write of the API answers them 403, with
a valid body or without, and nothing is written."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Attachment, Complaint, IdempotencyKey, Note, State
from tests.api.conftest import error_of, url
from tests.conftest import RESOLUTION

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def valid_bodies(f) -> dict[str, dict]:
    """A body each write would accept from a manager."""
    return {
        "classify": {
            "category": f["category"].pk,
            "priority": "normal",
            "department": f["dept_a"].pk,
        },
        "reject": {"reason_code": "outside_remit", "explanation": "x"},
        "assign": {"assignee": f["frontline"].pk},
        "resolve": {**RESOLUTION, "remedy_amount": "50.00"},
        "approve-remedy": {"amount": "100.00", "reason": "x"},
        "follow-up": {"outcome": "satisfied"},
        "reopen": {"reason": "x"},
        "close": {"reason": "x"},
        "withdraw": {"reason_code": "withdrawn", "explanation": "x"},
        "escalate": {"reason": "x"},
        "notes": {"body": "x"},
    }


WRITES = [
    "classify",
    "reject",
    "assign",
    "resolve",
    "approve-remedy",
    "follow-up",
    "reopen",
    "close",
    "withdraw",
    "escalate",
    "notes",
]


@pytest.fixture
def f(frontline, category, dept_a):
    return {"frontline": frontline, "category": category, "dept_a": dept_a}


@pytest.mark.parametrize("slug", WRITES)
@pytest.mark.parametrize("with_body", [True, False], ids=["valid-body", "empty-body"])
def test_every_write_on_a_complaint_is_403_for_an_auditor(
    api, auditor, make_complaint, f, slug, with_body
):
    complaint = make_complaint(State.ASSIGNED)
    body = valid_bodies(f)[slug] if with_body else {}
    response = api(auditor).post(url(complaint.reference, slug), body, format="json")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    after = Complaint.objects.get(pk=complaint.pk)
    assert after.version == complaint.version
    assert after.history.count() == complaint.history.count()
    assert not Note.objects.exists()


def test_an_upload_is_403_for_an_auditor(api, auditor, make_complaint, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    complaint = make_complaint(State.ASSIGNED)
    response = api(auditor).post(
        url(complaint.reference, "attachments"),
        {"file": SimpleUploadedFile("evidence.png", PNG)},
        format="multipart",
    )
    assert response.status_code == 403
    assert not Attachment.objects.exists()
    assert not list(tmp_path.iterdir())


def test_registration_is_403_for_an_auditor_even_with_an_idempotency_key(api, auditor):
    response = api(auditor).post(
        url(),
        {"channel": "phone", "description": "x"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 403
    assert not Complaint.objects.exists()
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("tail", ["", "history", "notes", "attachments"])
def test_an_auditor_reads_everything(api, auditor, make_complaint, tail):
    complaint = make_complaint(State.CLOSED)
    assert api(auditor).get(url(complaint.reference, tail)).status_code == 200


def test_an_auditor_is_offered_no_transitions(api, auditor, make_complaint):
    complaint = make_complaint(State.ASSIGNED)
    assert api(auditor).get(url(complaint.reference)).json()["available_transitions"] == []
