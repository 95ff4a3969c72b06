from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_q.models import Schedule

from complaints.models import State
from improvement.models import ActionComplaint, CorrectiveAction

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_the_owner_attaches_an_evidence_file_that_only_viewers_can_download(
    client, open_action, frontline, frontline_b
):
    action = open_action()
    client.force_login(frontline)
    url = reverse("improvement:action_transition", args=[action.pk, "complete"])
    upload = SimpleUploadedFile("training record.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"evidence": "Training held", "evidence_file": upload})
    assert response.status_code == 302
    stored = CorrectiveAction.objects.get(pk=action.pk).evidence_file.name
    assert stored.endswith(".pdf") and "training" not in stored
    download = reverse("improvement:action_evidence", args=[action.pk])
    response = client.get(download)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.force_login(frontline_b)
    assert client.get(download).status_code == 404


def test_an_evidence_file_of_a_refused_type_is_a_400(client, open_action, frontline):
    action = open_action()
    client.force_login(frontline)
    url = reverse("improvement:action_transition", args=[action.pk, "complete"])
    upload = SimpleUploadedFile("run.exe", b"MZ" + b"\0" * 40)
    response = client.post(url, {"evidence": "Done", "evidence_file": upload})
    assert response.status_code == 400 and "not an accepted type" in response.content.decode()
    assert CorrectiveAction.objects.get(pk=action.pk).state == "planned"


def test_a_manager_edits_the_due_date_with_a_reason(client, open_action, manager):
    action = open_action()
    client.force_login(manager)
    url = reverse("improvement:action_edit", args=[action.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": action.title,
            "owner": action.owner_id,
            "due_on": "2027-06-30",
            "reason": "Supplier delay",
            "expected_version": 1,
        },
    )
    assert response.status_code == 302
    row = CorrectiveAction.objects.get(pk=action.pk).history.latest("history_id")
    assert (row.history_user, row.history_change_reason, str(row.due_on)) == (
        manager,
        "Supplier delay",
        "2027-06-30",
    )


def test_the_owner_and_auditors_may_not_edit(client, open_action, frontline, auditor, outsider):
    action = open_action()
    url = reverse("improvement:action_edit", args=[action.pk])
    for user, status in ((frontline, 403), (auditor, 403), (outsider, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_link_and_unlink_from_the_page(
    client, open_action, make_complaint, manager, auditor, outsider
):
    action = open_action()
    complaint = make_complaint(State.CLASSIFIED)
    link = reverse("improvement:action_link", args=[action.pk])
    unlink = reverse("improvement:action_unlink", args=[action.pk, complaint.reference])
    client.force_login(manager)
    assert client.get(link).status_code == 405
    assert client.post(link, {"complaints": complaint.reference.lower()}).status_code == 302
    assert list(action.complaints.all()) == [complaint]
    client.force_login(auditor)
    assert client.post(unlink).status_code == 403
    client.force_login(outsider)
    assert client.post(unlink).status_code == 404
    client.force_login(manager)
    assert client.post(unlink).status_code == 302
    assert not action.complaints.exists()
    kinds = list(
        ActionComplaint.history.order_by("history_id").values_list("history_type", "history_user")
    )
    assert kinds == [("+", manager.pk), ("-", manager.pk)]


def test_setup_schedules_creates_the_hourly_action_sweep():
    call_command("setup_schedules", stdout=io.StringIO())
    schedule = Schedule.objects.get(name="action-sweep")
    assert (schedule.func, schedule.minutes) == ("improvement.tasks.sweep_actions", 60)
