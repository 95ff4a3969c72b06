"""History, notes and attachments of one complaint, and the reference data lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Attachment, Note, State
from tests.api.conftest import error_of, url

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


class TestHistory:
    def test_history_lists_every_action_with_user_reason_and_changed_fields(
        self, api, auditor, frontline, manager, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        services.escalate(complaint, by=frontline, reason="Wants a manager")
        response = api(auditor).get(url(complaint.reference, "history"))
        assert response.status_code == 200
        rows = response.json()
        assert [(r["action"], r["user"]["username"]) for r in rows] == [
            ("register", "frontline"),
            ("classify", "manager"),
            ("assign", "manager"),
            ("escalate", "frontline"),
        ]
        assert rows[0]["type"] == "+"
        assert rows[0]["changes"] == []
        escalation = rows[-1]
        assert escalation["reason"] == "Wants a manager"
        changes = {c["field"]: (c["old"], c["new"]) for c in escalation["changes"]}
        assert changes["tier"] == ("frontline", "manager")
        assert changes["escalation_count"] == (0, 1)
        assert changes["version"] == (3, 4)
        assignment = {c["field"]: (c["old"], c["new"]) for c in rows[2]["changes"]}
        assert assignment["state"] == ("classified", "assigned")
        assert assignment["assignee"] == (None, frontline.pk)

    def test_history_masks_the_complainant_where_the_detail_does(
        self, api, manager, gm, frontline, make_complaint, dept_a
    ):
        complaint = make_complaint(
            confidential=True, subject_department=dept_a, complainant_phone="13800138000"
        )
        services.update_details(
            complaint,
            by=frontline,
            changes={"complainant_phone": "13900139000"},
            reason="Typo",
        )

        def phone_change(user):
            rows = api(user).get(url(complaint.reference, "history")).json()
            return next(c for c in rows[-1]["changes"] if c["field"] == "complainant_phone")

        assert phone_change(manager) == {
            "field": "complainant_phone",
            "old": "1*********0",
            "new": "1*********0",
        }
        assert phone_change(gm)["new"] == "13900139000"

    def test_history_of_a_complaint_the_user_may_not_see_is_404(
        self, api, frontline_b, make_complaint
    ):
        complaint = make_complaint()
        assert api(frontline_b).get(url(complaint.reference, "history")).status_code == 404

    def test_history_costs_a_fixed_number_of_queries(
        self, api, gm, make_complaint, django_assert_num_queries
    ):
        complaint = make_complaint(State.CLOSED)
        client = api(gm)
        # token + user, staff profile, the complaint, the history rows with their users.
        with django_assert_num_queries(4):
            assert client.get(url(complaint.reference, "history")).status_code == 200


class TestNotes:
    def test_a_handler_adds_a_note_and_everyone_who_sees_the_complaint_reads_it(
        self, api, frontline, auditor, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "notes"), {"body": "Called, no answer"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["body"] == "Called, no answer"
        assert response.json()["author"]["username"] == "frontline"
        note = Note.objects.get()
        assert note.history.get().history_user == frontline

        listed = api(auditor).get(url(complaint.reference, "notes"))
        assert [n["body"] for n in listed.json()] == ["Called, no answer"]

    def test_an_empty_note_is_400(self, api, frontline, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "notes"), {"body": ""}, format="json"
        )
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["body"]

    def test_someone_who_sees_but_does_not_handle_the_complaint_gets_403(
        self, api, frontline, frontline2, manager, make_complaint
    ):
        complaint = make_complaint(State.CLASSIFIED)
        services.escalate(complaint, by=frontline, reason="Major")
        # Still in the department's unassigned queue (visible), but at the manager tier.
        response = api(frontline2).post(
            url(complaint.reference, "notes"), {"body": "x"}, format="json"
        )
        assert response.status_code == 403
        assert not Note.objects.exists()

    def test_notes_of_another_department_are_404(self, api, frontline_b, make_complaint):
        complaint = make_complaint()
        client = api(frontline_b)
        assert client.get(url(complaint.reference, "notes")).status_code == 404
        assert (
            client.post(url(complaint.reference, "notes"), {"body": "x"}, format="json")
        ).status_code == 404


class TestAttachments:
    def upload(self, client, complaint, name="evidence.png", content=PNG, **extra):
        return client.post(
            url(complaint.reference, "attachments"),
            {"file": SimpleUploadedFile(name, content), **extra},
            format="multipart",
        )

    def test_an_upload_is_checked_kept_and_listed(self, api, frontline, gm, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = self.upload(api(frontline), complaint, public="true")
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["original_name"] == "evidence.png"
        assert body["content_type"] == "image/png"
        assert body["size"] == len(PNG)
        assert body["public"] is True
        attachment = Attachment.objects.get()
        assert attachment.uploaded_by == frontline

        listed = api(gm).get(url(complaint.reference, "attachments")).json()
        assert [a["id"] for a in listed] == [attachment.pk]

        download = api(gm).get(url(complaint.reference, f"attachments/{attachment.pk}"))
        assert download.status_code == 200
        assert download["Content-Type"] == "application/octet-stream"
        assert download["Content-Disposition"] == 'attachment; filename="evidence.png"'
        assert b"".join(download.streaming_content) == PNG

    @pytest.mark.parametrize(
        ("name", "content"),
        [
            ("evidence.png", b""),
            ("evidence.png", b"MZ\x90\x00 an executable in disguise"),
            ("run.exe", PNG),
        ],
        ids=["empty", "wrong-content", "wrong-type"],
    )
    def test_a_file_the_upload_check_refuses_is_400_on_the_file_field(
        self, api, frontline, make_complaint, name, content
    ):
        complaint = make_complaint(State.ASSIGNED)
        response = self.upload(api(frontline), complaint, name=name, content=content)
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["file"]
        assert not Attachment.objects.exists()

    def test_a_file_over_the_size_limit_is_400(self, api, frontline, make_complaint, settings):
        settings.REDRESS_UPLOAD_MAX_BYTES = 32
        complaint = make_complaint(State.ASSIGNED)
        response = self.upload(api(frontline), complaint)
        assert response.status_code == 400
        assert "limit" in error_of(response)["fields"]["file"][0]

    def test_a_missing_file_is_400(self, api, frontline, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "attachments"), {}, format="multipart"
        )
        assert response.status_code == 400
        assert list(error_of(response)["fields"]) == ["file"]

    def test_a_json_upload_is_415(self, api, frontline, make_complaint):
        complaint = make_complaint(State.ASSIGNED)
        response = api(frontline).post(
            url(complaint.reference, "attachments"), {"file": "x"}, format="json"
        )
        assert response.status_code == 415

    def test_attachments_of_another_department_are_404(
        self, api, frontline, frontline_b, make_complaint
    ):
        complaint = make_complaint(State.ASSIGNED)
        assert self.upload(api(frontline), complaint).status_code == 201
        attachment = Attachment.objects.get()
        client = api(frontline_b)
        assert client.get(url(complaint.reference, "attachments")).status_code == 404
        assert (
            client.get(url(complaint.reference, f"attachments/{attachment.pk}")).status_code == 404
        )
        assert self.upload(client, complaint).status_code == 404

    def test_an_attachment_of_another_complaint_is_404(self, api, frontline, gm, make_complaint):
        one, other = make_complaint(State.ASSIGNED), make_complaint(State.ASSIGNED)
        assert self.upload(api(frontline), one).status_code == 201
        attachment = Attachment.objects.get()
        response = api(gm).get(url(other.reference, f"attachments/{attachment.pk}"))
        assert response.status_code == 404


class TestReferenceData:
    def test_departments_are_listed_for_any_logged_in_user(self, api, outsider, dept_a, dept_b):
        response = api(outsider).get("/api/v1/departments/")
        assert response.status_code == 200
        assert [d["code"] for d in response.json()] == ["billing", "service"]

    def test_categories_are_listed_with_their_parent_and_path(
        self, api, frontline, category, django_assert_num_queries
    ):
        client = api(frontline)
        with django_assert_num_queries(2):  # token + user, the categories with parents
            response = client.get("/api/v1/categories/")
        rows = {c["code"]: c for c in response.json()}
        assert rows["rude-staff"]["parent"] == category.parent_id
        assert rows["rude-staff"]["path"] == "Service attitude / Rude staff"
        assert rows["service-attitude"]["parent"] is None


class TestUnknownAddresses:
    def test_an_unknown_api_address_is_a_404_in_the_api_error_body(self, api, gm):
        response = api(gm).get("/api/v2/complaints/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"

    def test_a_missing_trailing_slash_is_pointed_out(self, api, gm):
        response = api(gm).post("/api/v1/complaints", {}, format="json")
        assert response.status_code == 404
        assert "/api/v1/complaints/" in error_of(response)["message"]
