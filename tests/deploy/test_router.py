"""The router's decisions, in-process (the real standby is in test_replica.py)."""

from __future__ import annotations

import threading

import pytest
from django.db import transaction

from complaints.db import read_alias, replica_iter, replica_reads
from complaints.models import Complaint
from config.routers import PrimaryReplicaRouter

router = PrimaryReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    """As if DATABASE_REPLICA_URL were set (overriding DATABASES itself is unsupported)."""
    monkeypatch.setattr("complaints.db.replica_configured", lambda: True)


def test_reads_go_to_the_primary_unless_wrapped(with_replica):
    assert router.db_for_read(Complaint) is None  # Django's default: the primary
    with replica_reads():
        assert router.db_for_read(Complaint) == "replica"
        assert read_alias() == "replica"
    assert router.db_for_read(Complaint) is None
    assert read_alias() == "default"


def test_writes_always_go_to_the_primary(with_replica):
    with replica_reads():
        assert router.db_for_write(Complaint) == "default"


def test_wrapped_reads_stay_on_the_primary_when_no_replica_is_configured():
    with replica_reads():
        assert router.db_for_read(Complaint) is None
        assert read_alias() == "default"


@pytest.mark.django_db(transaction=True)
def test_wrapped_reads_inside_a_transaction_stay_on_the_primary(with_replica):
    with replica_reads(), transaction.atomic():
        assert router.db_for_read(Complaint) is None


def test_one_threads_replica_reads_do_not_move_another_threads_reads(with_replica):
    inside = threading.Event()
    checked = threading.Event()
    seen = {}

    def report():
        with replica_reads():
            inside.set()
            checked.wait(5)
            seen["report"] = router.db_for_read(Complaint)

    worker = threading.Thread(target=report)
    worker.start()
    assert inside.wait(5)
    seen["request"] = router.db_for_read(Complaint)
    checked.set()
    worker.join(5)

    assert seen == {"report": "replica", "request": None}


def test_a_streamed_export_reads_the_replica_while_it_is_sent(with_replica):
    rows = (router.db_for_read(Complaint) for _ in range(2))

    # Iterated after the view returned, outside any replica_reads() block.
    assert list(replica_iter(rows)) == ["replica", "replica"]
    assert router.db_for_read(Complaint) is None


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "complaints") is False
    assert router.allow_migrate("default", "complaints") is None


def test_replica_reads_decorates_a_view(with_replica):
    @replica_reads()
    def view():
        return router.db_for_read(Complaint)

    assert view() == "replica"
    assert router.db_for_read(Complaint) is None
