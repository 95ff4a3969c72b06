"""``seed_demo`` builds a believable year through the services, and running it twice is safe."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import F

from complaints.models import Complaint, State

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_logins_and_complaints_in_every_state_once(rf):
    call_command("seed_demo", complaints=300, stdout=io.StringIO())

    for username, tier in [
        ("frontline", "frontline"),
        ("manager", "manager"),
        ("gm", "gm"),
        ("auditor", "auditor"),
    ]:
        user = authenticate(rf.post("/accounts/login/"), username=username, password="redress-demo")
        assert user is not None and user.staff_profile.tier == tier

    assert Complaint.objects.count() == 300
    assert set(Complaint.objects.values_list("state", flat=True)) == {s.value for s in State}
    # History is real: the registration row is dated when the complaint was received.
    register_rows = Complaint.history.filter(history_transition="register")
    assert register_rows.count() == 300
    assert not register_rows.exclude(history_date=F("received_at")).exists()
    assert Complaint.objects.filter(reopen_count__gt=0).exists()
    assert Complaint.objects.filter(escalation_count__gt=0).exists()

    # Some complainants came back about the same matter: linked by the registration itself.
    repeats = Complaint.objects.filter(repeat_of__isnull=False).select_related("repeat_of")
    assert repeats.count() >= 5
    for repeat in repeats:
        earlier = repeat.repeat_of
        assert repeat.complainant_phone_norm == earlier.complainant_phone_norm
        assert repeat.received_at > earlier.received_at
        assert (repeat.department_id, repeat.complainant_name) == (
            earlier.department_id,
            earlier.complainant_name,
        )
    # Complainants leave an email address as well as a phone (never a deliverable one).
    with_email = Complaint.objects.exclude(complainant_email="")
    assert with_email.count() >= 50
    assert not with_email.filter(complainant_phone="").exists()
    assert Complaint.objects.filter(complainant_email="").exists()
    assert not with_email.exclude(complainant_email__endswith="@example.com").exists()

    history_rows = Complaint.history.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Complaint.objects.count() == 300
    assert Complaint.history.count() == history_rows


def test_seed_demo_replays_the_year_without_mailing_anyone(mailoutbox):
    from django_q.models import OrmQ

    from correspondence.models import Message
    from escalation.models import Notice

    call_command("seed_demo", complaints=60, stdout=io.StringIO())
    assert Complaint.objects.count() == 60
    # Complainants with email addresses were told nothing either.
    assert Complaint.objects.exclude(complainant_email="").exists()
    assert mailoutbox == []
    assert OrmQ.objects.count() == 0
    assert Notice.objects.count() == 0 and Message.objects.count() == 0
