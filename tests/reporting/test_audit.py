"""Change-history pages, the audit log and the tamper-evident hash chain."""

from __future__ import annotations

import csv
import io
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints import services
from complaints.models import Complaint
from reporting import audit
from reporting.models import AuditRecord, ChainVerification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def worked(make_complaint, frontline, manager, dept_a):
    """A complaint with a note, a call, an attachment, a corrected phone number and a resolution."""
    c = make_complaint("assigned", complainant_name="王芳", complainant_phone="13800138000")
    services.add_note(c, by=frontline, body="Customer called twice")
    services.log_communication(
        c, by=frontline, medium="call", direction="out", summary="Apologised by phone"
    )
    services.add_attachment(
        c,
        by=frontline,
        file=SimpleUploadedFile("receipt.txt", b"receipt"),
        original_name="receipt.txt",
        content_type="text/plain",
        size=7,
    )
    c = Complaint.objects.get(pk=c.pk)
    c = services.update_details(
        c, by=frontline, changes={"complainant_phone": "13900139000"}, reason="Typo in phone"
    )
    return c


def history_url(c):
    return f"/complaints/{c.reference}/history/"


def table(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- the history page ----------------------------------------------------------------------------


def test_history_lists_every_record_in_order_with_who_what_and_why(client, worked, auditor):
    client.force_login(auditor)
    response = client.get(history_url(worked))
    assert response.status_code == 200
    entries = response.context["entries"]
    assert [(e.record, e.action) for e in entries] == [
        ("complaint", "register"),
        ("complaint", "classify"),
        ("complaint", "assign"),
        ("note", "note"),
        ("communication", "communication"),
        ("complaint", "first_response"),
        ("attachment", "attachment"),
        ("complaint", "edit"),
    ]
    edit = entries[-1]
    assert edit.who == "frontline" and edit.reason == "Typo in phone"
    phone = next(change for change in edit.changes if change.field == "complainant_phone")
    assert (phone.old, phone.new) == ("13800138000", "13900139000")
    assign = entries[2]
    fields = {change.field: change for change in assign.changes}
    assert fields["assignee_id"].new == "frontline"  # names, not ids
    assert str(fields["state"].old) == "Classified" and str(fields["state"].new) == "Assigned"
    html = response.content.decode()
    assert "chain intact" in html
    assert "13800138000" in html and "••••••" in html  # the tracking code is never shown


def test_history_masks_the_complainant_for_the_unit_complained_about(
    client, worked, frontline, manager, dept_a
):
    services.update_details(
        worked,
        by=manager,
        changes={"confidential": True, "subject_department": dept_a},
        reason="Keep identity from department A",
    )
    client.force_login(manager)
    html = client.get(history_url(worked)).content.decode()
    assert "13900139000" not in html and "1*********0" in html
    assert "王芳" not in html


def test_history_follows_visibility(client, worked, frontline_b, outsider, auditor):
    client.force_login(frontline_b)
    assert client.get(history_url(worked)).status_code == 404
    client.force_login(outsider)
    assert client.get(history_url(worked)).status_code == 404
    client.force_login(auditor)
    assert client.post(history_url(worked)).status_code == 405


def test_history_page_queries_do_not_grow_with_its_length(
    client, worked, frontline, auditor, django_assert_max_num_queries
):
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as few:
        client.get(history_url(worked))
    for i in range(30):
        services.add_note(worked, by=frontline, body=f"Note {i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(history_url(worked))
    assert len(response.context["entries"]) == 38


# --- the audit log ----------------------------------------------------------------------------


def test_audit_log_lists_changes_newest_first_with_links(client, worked, auditor):
    client.force_login(auditor)
    response = client.get("/audit/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r.action for r in rows][:2] == ["edit", "attachment"]
    assert f'href="/complaints/{worked.reference}/history/"' in response.content.decode()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"action": "edit"}, ["edit"]),
        ({"field": "complainant_phone"}, ["edit", "register"]),
        ({"user": "manager"}, ["assign", "classify"]),
    ],
)
def test_audit_log_filters(client, worked, auditor, filters, expected):
    client.force_login(auditor)
    rows = client.get("/audit/", filters).context["rows"]
    assert [r.action for r in rows] == expected


def test_audit_log_filters_by_department_and_dates(
    client, worked, make_complaint, frontline_b, manager_b, dept_b, auditor
):
    other = services.register(by=frontline_b, channel="web", description="B", department=dept_b)
    client.force_login(auditor)
    rows = client.get("/audit/", {"department": dept_b.pk}).context["rows"]
    assert {r.complaint_id for r in rows} == {other.pk}
    # The filter's dates are the organisation's calendar dates, not UTC dates.
    today = timezone.localdate(worked.received_at).isoformat()
    rows = client.get("/audit/", {"since": today, "until": today}).context["rows"]
    assert len(rows) == 9
    assert client.get("/audit/", {"since": "2030-01-01", "until": "2020-01-01"}).status_code == 400


def test_audit_log_pages_by_keyset_without_counting(client, worked, frontline, auditor):
    for i in range(60):
        services.add_note(worked, by=frontline, body=f"Note {i}")
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        first = client.get("/audit/")
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert len(first.context["rows"]) == 50
    second = client.get(first.context["next_url"])
    rows = second.context["rows"]
    assert len(rows) == 18 and second.context["next_url"] is None
    seen = {r.pk for r in first.context["rows"]} | {r.pk for r in rows}
    assert len(seen) == 68
    assert client.get("/audit/", {"after": "garbage"}).status_code == 404


def test_department_manager_reads_the_audit_of_their_department_only(
    client, worked, frontline_b, manager, dept_b
):
    services.register(by=frontline_b, channel="web", description="B", department=dept_b)
    client.force_login(manager)
    rows = client.get("/audit/").context["rows"]
    assert {r.complaint_id for r in rows} == {worked.pk}


def test_frontline_and_outsiders_have_no_audit_log(client, frontline, outsider):
    client.force_login(frontline)
    assert client.get("/audit/").status_code == 403
    client.force_login(outsider)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/chain/").status_code == 403


def test_audit_log_exports_csv_with_the_same_filters(client, worked, auditor):
    client.force_login(auditor)
    response = client.get("/audit/export.csv", {"action": "edit"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    # The zone is named in the header; fields are named by their labels (issue #15).
    assert rows[0][:3] == ["When (Asia/Shanghai)", "By", "Complaint"]
    assert len(rows) == 2
    assert rows[1][1:3] == ["frontline", worked.reference]
    assert "Complainant phone" in rows[1][5]


# --- the hash chain -----------------------------------------------------------------------------


def test_every_history_record_is_sealed_in_one_chain_per_complaint(worked):
    records = list(AuditRecord.objects.filter(complaint=worked).order_by("seq"))
    assert [r.seq for r in records] == list(range(1, 9))
    assert [r.model for r in records] == [
        "complaint",
        "complaint",
        "complaint",
        "note",
        "communication",
        "complaint",
        "attachment",
        "complaint",
    ]
    previous = audit.genesis(worked.pk)
    for record in records:
        assert record.seal == audit.next_seal(previous, record.content_hash)
        previous = record.seal
    assert audit.verify([worked.pk]).breaks == {}


def test_editing_a_history_row_in_sql_is_detected(client, worked, auditor):
    table(
        "UPDATE complaints_historicalnote SET body = 'Nothing happened' WHERE complaint_id = %s",
        [worked.pk],
    )
    broken = audit.verify([worked.pk]).breaks[worked.pk]
    assert (broken.seq, broken.model, broken.problem) == (4, "note", "record_altered")
    client.force_login(auditor)
    html = client.get(history_url(worked)).content.decode()
    assert "the audit chain is broken" in html and "record 4" in html
    html = client.get("/audit/chain/").content.decode()
    assert "First broken link" in html and worked.reference in html


def test_deleting_a_history_row_in_sql_is_detected(worked):
    table(
        "DELETE FROM complaints_historicalcomplaint "
        "WHERE id = %s AND history_transition = 'classify'",
        [worked.pk],
    )
    broken = audit.verify([worked.pk]).first
    assert (broken.seq, broken.problem) == (2, "record_deleted")


def test_removing_a_seal_is_detected(worked):
    AuditRecord.objects.filter(complaint=worked, seq=3).delete()
    assert audit.verify([worked.pk]).first.problem == "seal_missing"


def test_rewriting_a_seal_is_detected(worked):
    AuditRecord.objects.filter(complaint=worked, seq=5).update(content_hash="0" * 64)
    broken = audit.verify([worked.pk]).first
    assert (broken.seq, broken.problem) == (5, "seal_altered")


def test_a_history_row_written_outside_the_application_is_detected(worked):
    table(
        "INSERT INTO complaints_historicalcomplaint "
        "(id, history_transition, reference, tracking_code, state, version, channel, received_at,"
        " complainant_name, complainant_phone, complainant_email, complainant_id_number,"
        " complainant_language, complainant_address, preferred_channel, confidential,"
        " subject_description, description, request, priority,"
        " tier, escalation_count, extension_count, reject_reason, withdraw_reason, decision_note,"
        " root_cause, resolution_summary, remedy, remedy_amount, corrective_action,"
        " follow_up_outcome, follow_up_comment, reopen_count, created_at, updated_at,"
        " responsibility_finding, external_platform, external_reference,"
        " history_date, history_type) "
        "SELECT id, 'close', reference, tracking_code, 'closed', version, channel, received_at,"
        " complainant_name, complainant_phone, complainant_email, complainant_id_number,"
        " complainant_language, complainant_address, preferred_channel, confidential,"
        " subject_description, description, request, priority,"
        " tier, escalation_count, extension_count, reject_reason, withdraw_reason, decision_note,"
        " root_cause, resolution_summary, remedy, remedy_amount, corrective_action,"
        " follow_up_outcome, follow_up_comment, reopen_count, created_at, updated_at,"
        " responsibility_finding, external_platform, external_reference,"
        " %s, '~' FROM complaints_complaint WHERE id = %s",
        [timezone.now(), worked.pk],
    )
    broken = audit.verify([worked.pk]).first
    assert (broken.seq, broken.model, broken.problem) == (None, "complaint", "unsealed")


def test_verify_command_reports_ok_and_records_the_run(worked, capsys):
    call_command("verify_audit_chain")
    assert "OK: 8 sealed records of 1 complaints" in capsys.readouterr().out
    run = ChainVerification.objects.get()
    assert (run.records_checked, run.broken_complaints, run.first_broken) == (8, 0, None)


def test_verify_command_reports_the_first_broken_link_and_fails(worked, make_complaint, capsys):
    intact = make_complaint("classified")
    table(
        "UPDATE complaints_historicalcomplaint SET history_change_reason = 'x' "
        "WHERE id = %s AND history_transition = 'assign'",
        [worked.pk],
    )
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")
    out = capsys.readouterr().out
    assert f"First broken link: {worked.reference} record 3" in out
    assert "it was edited" in out
    assert ChainVerification.objects.get().broken_complaints == 1
    call_command("verify_audit_chain", complaint=intact.reference)
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", complaint=worked.reference)
    with pytest.raises(CommandError):
        call_command("verify_audit_chain", complaint="C-1999-000000")


def test_chain_page_checks_one_complaint_on_request(client, worked, auditor, manager):
    client.force_login(auditor)
    response = client.get("/audit/chain/", {"reference": worked.reference})
    assert "8 sealed records, chain intact" in response.content.decode()
    assert client.get("/audit/chain/", {"reference": "C-1999-000000"}).status_code == 404
    client.force_login(manager)
    assert client.get("/audit/chain/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_chain_one_after_the_other(make_complaint, frontline):
    complaint = make_complaint("assigned")

    def add_notes(n: int) -> None:
        try:
            for i in range(n):
                services.add_note(complaint, by=frontline, body=f"{threading.get_ident()} {i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add_notes, args=(8,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = list(
        AuditRecord.objects.filter(complaint=complaint)
        .order_by("seq")
        .values_list("seq", flat=True)
    )
    assert seqs == list(range(1, 3 + 24 + 1))
    assert audit.verify([complaint.pk]).breaks == {}
