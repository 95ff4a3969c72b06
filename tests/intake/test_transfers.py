"""Complaints transferred from a regulator or hotline platform (12345): imported once with the
platform's reference, on the transfer channel, with clocks that end by the platform's deadline,
and answered back through a status endpoint the platform polls."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from complaints import services
from complaints.models import Complaint, ReferenceSequence
from tests.api.conftest import RowLock, error_of, join, run_together

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-03-02 09:30 in Shanghai, a working day.
NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
URL = "/api/v1/transfers/"


@pytest.fixture
def api():
    """``api(user)``: an APIClient with that user's token, as a platform's integration calls."""

    def client_for(user) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def transfer(**overrides) -> dict:
    data = {
        "platform": "12345",
        "platform_reference": "GD-2026-000777",
        "received_at": "2026-03-02T09:00:00+08:00",
        "platform_due_at": "2026-03-02T17:00:00+08:00",
        "complainant_name": "王芳",
        "complainant_phone": "13800138000",
        "description": "收费站多扣了两次通行费",
        "request": "退还多扣的费用",
        "category": "rude-staff",
        "department": "service",
    }
    data.update(overrides)
    return data


def test_a_transfer_is_registered_on_the_transfer_channel_with_the_platforms_reference(
    api, frontline, category
):
    response = api(frontline).post(URL, transfer(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    complaint = Complaint.objects.get(reference=body["reference"])
    assert complaint.channel == "transfer"
    assert (complaint.external_platform, complaint.external_reference) == (
        "12345",
        "GD-2026-000777",
    )
    assert complaint.external_due_at == dt.datetime(2026, 3, 2, 17, tzinfo=SHANGHAI)
    assert complaint.received_at == dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI)
    assert complaint.category == category
    assert response["Location"] == "/api/v1/transfers/12345/GD-2026-000777/"
    assert body["state"] == "received" and body["answer"] is None
    row = complaint.history.get()
    assert row.history_user == frontline
    assert row.history_change_reason == "Transferred from 12345 as GD-2026-000777"


def test_a_transfer_sent_again_returns_the_first_complaint_with_200(api, frontline, category):
    first = api(frontline).post(URL, transfer(), format="json")
    again = api(frontline).post(URL, transfer(description="changed"), format="json")

    assert again.status_code == 200
    assert again.json()["reference"] == first.json()["reference"]
    assert Complaint.objects.count() == 1
    assert Complaint.objects.get().description == "收费站多扣了两次通行费"


def test_the_same_reference_from_another_platform_is_another_complaint(api, frontline, category):
    api(frontline).post(URL, transfer(), format="json")
    other = api(frontline).post(URL, transfer(platform="samr"), format="json")

    assert other.status_code == 201
    assert Complaint.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"description": ""}, "description"),
        ({"platform": "12 345"}, "platform"),
        ({"platform_reference": None}, "platform_reference"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2026-03-03T09:00:00+08:00"}, "received_at"),
        ({"platform_due_at": "2026-03-02T08:00:00+08:00"}, "platform_due_at"),
        ({"category": "no-such-code"}, "category"),
        ({"complainant_phone": "12"}, "complainant_phone"),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_saved(
    api, frontline, category, overrides, field
):
    response = api(frontline).post(URL, transfer(**overrides), format="json")

    assert response.status_code == 400
    assert field in error_of(response)["fields"]
    assert not Complaint.objects.exists()


def test_auditors_cannot_import_transfers(api, auditor, category):
    response = api(auditor).post(URL, transfer(), format="json")

    assert response.status_code == 403
    assert not Complaint.objects.exists()


def test_no_deadline_ends_after_the_platforms(api, frontline, category):
    api(frontline).post(URL, transfer(), format="json")
    complaint = Complaint.objects.get()
    platform_due = dt.datetime(2026, 3, 2, 17, tzinfo=SHANGHAI)

    assert complaint.resolution_due_at == platform_due
    for due in (complaint.acceptance_due_at, complaint.first_response_due_at):
        assert due is None or due <= platform_due
    assert complaint.next_due_at <= platform_due


def test_a_later_platform_deadline_leaves_the_policys_earlier_clocks(api, frontline, category):
    """The platform's deadline only ever shortens a clock: a generous one changes nothing."""
    plain = services.register(by=frontline, channel="phone", description="same policy")
    api(frontline).post(
        URL,
        transfer(received_at=NOW.isoformat(), platform_due_at="2026-06-30T17:00:00+08:00"),
        format="json",
    )
    transferred = Complaint.objects.get(channel="transfer")

    assert transferred.acceptance_due_at == plain.acceptance_due_at
    assert transferred.first_response_due_at == plain.first_response_due_at


def _resolve(complaint, manager, handler, category):
    complaint = services.classify(
        complaint,
        by=manager,
        category=category,
        priority="normal",
        department=manager_dept(manager),
    )
    complaint = services.assign(complaint, by=manager, assignee=handler)
    return services.resolve(
        complaint,
        by=handler,
        root_cause="Double read of the tag",
        resolution_summary="已退还多扣的通行费",
        substantiated=True,
        cause="system-data",
    )


def manager_dept(manager):
    return manager.staff_profile.department


def test_the_platform_reads_our_answer_and_whether_it_came_in_time(
    api, frontline, manager, category, frozen
):
    api(frontline).post(URL, transfer(), format="json")
    status_url = "/api/v1/transfers/12345/GD-2026-000777/"
    waiting = api(frontline).get(status_url).json()
    assert (waiting["answer"], waiting["answered_at"]) == (None, None)
    assert waiting["answered_by_platform_deadline"] is None

    frozen.move_to(dt.datetime(2026, 3, 2, 15, tzinfo=SHANGHAI))
    _resolve(Complaint.objects.get(), manager, frontline, category)
    answered = api(frontline).get(status_url).json()

    assert answered["state"] == "resolved"
    assert answered["answer"] == "已退还多扣的通行费"
    answered_at = dt.datetime.fromisoformat(answered["answered_at"])
    assert answered_at == dt.datetime(2026, 3, 2, 15, tzinfo=SHANGHAI)
    assert answered["answered_by_platform_deadline"] is True
    detail = api(frontline).get(f"/api/v1/complaints/{answered['reference']}/").json()
    assert detail["answered_by_platform_deadline"] is True
    assert detail["external_reference"] == "GD-2026-000777"


def test_a_deadline_passed_unanswered_is_reported_as_missed(api, frontline, category, frozen):
    api(frontline).post(URL, transfer(), format="json")
    frozen.move_to(dt.datetime(2026, 3, 2, 17, 1, tzinfo=SHANGHAI))

    body = api(frontline).get("/api/v1/transfers/12345/GD-2026-000777/").json()

    assert body["answered_by_platform_deadline"] is False


def test_the_status_of_a_transfer_one_may_not_see_is_not_found(
    api, frontline, frontline_b, outsider, category
):
    api(frontline).post(URL, transfer(), format="json")

    assert api(frontline_b).get("/api/v1/transfers/12345/GD-2026-000777/").status_code == 404
    assert api(outsider).get("/api/v1/transfers/12345/GD-2026-000777/").status_code == 404
    assert api(frontline).get("/api/v1/transfers/12345/nothing/").status_code == 404


def test_the_command_imports_json_and_csv_once(tmp_path, frontline, category, capsys):
    records = tmp_path / "batch.json"
    records.write_text(
        json.dumps([transfer(), transfer(platform_reference="GD-2026-000778")]), encoding="utf-8"
    )
    sheet = tmp_path / "batch.csv"
    row = transfer(platform_reference="GD-2026-000779", category="")
    sheet.write_text(
        "\ufeff" + ",".join(row) + "\n" + ",".join(row.values()) + "\n", encoding="utf-8"
    )

    call_command("import_transfers", str(records), "--by", "frontline")
    call_command("import_transfers", str(sheet), "--by", "frontline")
    call_command("import_transfers", str(records), "--by", "frontline")
    out = capsys.readouterr().out

    assert Complaint.objects.filter(channel="transfer").count() == 3
    assert "2 new, 0 already imported, 0 refused." in out
    assert "0 new, 2 already imported, 0 refused." in out
    assert Complaint.objects.get(external_reference="GD-2026-000779").category is None


def test_the_command_reports_a_refused_record_and_saves_nothing_of_it(
    tmp_path, frontline, category, capsys
):
    records = tmp_path / "batch.json"
    records.write_text(
        json.dumps([transfer(description=""), transfer(platform_reference="ok-1")]),
        encoding="utf-8",
    )

    with pytest.raises(CommandError, match="1 record"):
        call_command("import_transfers", str(records), "--by", "frontline")

    assert list(Complaint.objects.values_list("external_reference", flat=True)) == ["ok-1"]
    assert "description" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_a_transfer_arriving_at_once_register_one_complaint(api, frontline, category):
    """Both copies pass the "do we know this reference?" check and queue on the reference
    counter (held here from a third connection) before either commits; the unique platform
    reference decides, and the loser answers 200 with the winner's complaint."""
    ReferenceSequence.objects.create(year=2026)
    clients = [api(frontline), api(frontline)]

    def post(client):
        response = client.post(URL, transfer(), format="json")
        return response.status_code, response.json()["reference"]

    with RowLock(ReferenceSequence.objects.filter(year=2026)) as lock:
        threads, results, errors = run_together(*(lambda c=c: post(c) for c in clients))
        lock.wait_for_waiters(2)
    join(threads, errors)

    assert sorted(status for status, _reference in results) == [200, 201]
    assert len({reference for _status, reference in results}) == 1
    assert Complaint.objects.count() == 1


def test_the_complaint_page_shows_the_platform_its_reference_and_deadline(
    client, api, frontline, category
):
    reference = api(frontline).post(URL, transfer(), format="json").json()["reference"]
    client.force_login(frontline)

    page = client.get(f"/complaints/{reference}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    milestones = page[page.index('id="milestones"') :]
    assert "12345" in milestones and "GD-2026-000777" in milestones


def test_a_pause_does_not_move_a_clock_past_the_platforms_deadline(
    api, frontline, category, frozen
):
    from escalation import services as sla

    platform_due = NOW + dt.timedelta(hours=3)
    api(frontline).post(
        URL,
        transfer(received_at=NOW.isoformat(), platform_due_at=platform_due.isoformat()),
        format="json",
    )
    complaint = Complaint.objects.get()
    # The shipped policy: accept within 30 minutes, first reply within 24 hours.
    assert complaint.acceptance_due_at == NOW + dt.timedelta(minutes=30)
    assert complaint.first_response_due_at == platform_due

    frozen.move_to(NOW + dt.timedelta(minutes=10))
    sla.request_pause(
        complaint, by=frontline, reason_code="waiting_third_party", until=platform_due
    )
    frozen.move_to(NOW + dt.timedelta(minutes=130))
    sla.resume(complaint, by=frontline)
    complaint = Complaint.objects.get()

    # Our own clock moves by the two hours stopped; the platform's deadline does not.
    assert complaint.acceptance_due_at == NOW + dt.timedelta(minutes=150)
    assert complaint.first_response_due_at == platform_due
    assert complaint.resolution_due_at == platform_due
