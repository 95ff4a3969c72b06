"""Two people acting at once: stale copies are refused, references stay unique (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import translation

from complaints import services
from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Refusal messages are asserted in English; the product's default language is Chinese."""
    with translation.override("en"):
        yield


def test_a_stale_copy_is_refused_and_the_first_writer_wins(make_complaint, manager, frontline):
    complaint = make_complaint(State.CLASSIFIED)
    mine = Complaint.objects.get(pk=complaint.pk)  # both open the page at version 2
    theirs = Complaint.objects.get(pk=complaint.pk)

    services.assign(theirs, by=manager, assignee=frontline, reason="Manager assigns")
    with pytest.raises(services.StaleComplaint, match="changed by someone else"):
        services.withdraw(mine, by=manager, reason_code="withdrawn", explanation="Mine")

    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.state == State.ASSIGNED and fresh.withdraw_reason == ""
    assert fresh.history.latest().history_change_reason == "Manager assigns"


def test_expected_version_from_a_form_is_checked(make_complaint, frontline):
    complaint = make_complaint(State.RECEIVED)
    with pytest.raises(services.StaleComplaint):
        services.update_details(
            complaint,
            by=frontline,
            changes={"complainant_name": "Han Meimei"},
            reason="typo",
            expected_version=complaint.version - 1 if complaint.version > 1 else 99,
        )
    assert Complaint.objects.get(pk=complaint.pk).complainant_name == "Li Lei"


def _in_threads(count: int, target) -> list:
    results: list = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(target(index))
        except Exception as exc:  # collected and asserted by the test
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_references_are_unique_and_gapless_under_concurrent_intake(frontline):
    def register_five(index: int) -> list[str]:
        return [
            services.register(
                by=frontline, channel="phone", description=f"Caller {index}-{n}"
            ).reference
            for n in range(5)
        ]

    results = _in_threads(8, register_five)
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    references = [ref for batch in results for ref in batch]
    assert len(references) == len(set(references)) == 40
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(1, 41))


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_writers_from_one_version_produce_one_change(
    make_complaint, manager, frontline, frontline2
):
    complaint = make_complaint(State.CLASSIFIED)
    handlers = [frontline, frontline2]

    def assign(index: int):
        return services.assign(
            complaint,
            by=manager,
            assignee=handlers[index],
            expected_version=complaint.version,
        )

    results = _in_threads(2, assign)
    winners = [r for r in results if isinstance(r, Complaint)]
    losers = [r for r in results if isinstance(r, services.StaleComplaint)]
    assert len(winners) == 1 and len(losers) == 1
    fresh = Complaint.objects.get(pk=complaint.pk)
    assert fresh.assignee == winners[0].assignee
    assert fresh.history.filter(history_transition="assign").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_idempotency_key_create_one_complaint(frontline):
    def submit(index: int) -> Complaint:
        return services.register(
            by=frontline,
            channel="phone",
            description="Same call, submitted twice",
            idempotency_key="retry-123",
            idempotency_scope="test",
        )

    results = _in_threads(4, submit)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({c.pk for c in results}) == 1
    assert Complaint.objects.count() == 1
