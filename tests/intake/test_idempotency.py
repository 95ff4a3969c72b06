"""Two simultaneous submissions with one idempotency key (a double click that reaches two
workers at once) register one complaint with its files once, on real PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.core.files.base import ContentFile
from django.db import connection

from complaints.models import Attachment, Complaint, IdempotencyKey
from complaints.uploads import check_upload
from intake import services as intake_services
from tests.intake.conftest import PDF


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_with_one_key_register_one_complaint_with_its_files_once():
    barrier = threading.Barrier(2)
    results, failures = [], []

    def submit():
        try:
            upload = ContentFile(PDF, name="receipt.pdf")
            evidence = [intake_services.Evidence(file=upload, checked=check_upload(upload))]
            barrier.wait(timeout=10)
            results.append(
                intake_services.register(
                    by=None,
                    channel="web",
                    description="Charged twice",
                    complainant_phone="13800138000",
                    evidence=evidence,
                    idempotency_key="f" * 32,
                    idempotency_scope="web-form",
                )
            )
        except Exception as exc:  # noqa: BLE001 - reported below, the test thread must not die
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failures == []
    assert sorted(created for _complaint, created in results) == [False, True]
    assert results[0][0].pk == results[1][0].pk
    assert Complaint.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
    assert Attachment.objects.count() == 1


def _evidence() -> list[intake_services.Evidence]:
    upload = ContentFile(PDF, name="receipt.pdf")
    return [intake_services.Evidence(file=upload, checked=check_upload(upload))]


@pytest.mark.django_db
def test_a_retry_with_the_same_key_says_it_created_nothing_and_attaches_nothing():
    submission = {
        "by": None,
        "channel": "web",
        "description": "Charged twice",
        "complainant_phone": "13800138000",
        "idempotency_key": "a" * 32,
        "idempotency_scope": "web-form",
    }
    first, created = intake_services.register(evidence=_evidence(), **submission)
    assert created is True
    again, created_again = intake_services.register(evidence=_evidence(), **submission)
    assert created_again is False
    assert again.pk == first.pk
    assert Complaint.objects.count() == 1
    assert Attachment.objects.filter(complaint=first).count() == 1


@pytest.mark.django_db
def test_without_a_key_every_registration_is_a_new_complaint():
    first, created = intake_services.register(
        by=None, channel="web", description="Charged twice", complainant_phone="13800138000"
    )
    second, created_second = intake_services.register(
        by=None, channel="web", description="Charged twice", complainant_phone="13800138000"
    )
    assert created and created_second
    assert first.pk != second.pk
    assert IdempotencyKey.objects.count() == 0
