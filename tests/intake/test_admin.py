"""Intake's admin pages: read-only, scoped by the visibility function."""

from __future__ import annotations

from django.core.management import call_command
from django_q.models import Schedule

from intake import mail


def test_notices_in_the_admin_are_scoped_by_visibility_and_read_only(
    client, make_complaint, gm, frontline_b, on_commit
):
    with on_commit():
        complaint = make_complaint(complainant_email="li.lei@example.cn")
    client.force_login(gm)
    response = client.get("/admin/intake/notification/")
    assert response.status_code == 200
    assert complaint.reference in response.content.decode()
    assert client.get("/admin/intake/notification/add/").status_code == 403
    client.force_login(frontline_b)  # another department: not their complaint
    response = client.get("/admin/intake/notification/")
    assert complaint.reference not in response.content.decode()


def test_refused_mail_is_listed_only_for_those_who_see_everything(client, gm, frontline):
    mail.import_message(b"From: nobody\r\nMessage-ID: <x@y>\r\n\r\nhi\r\n")
    client.force_login(gm)
    assert "&lt;x@y&gt;" in client.get("/admin/intake/importedmessage/").content.decode()
    client.force_login(frontline)
    response = client.get("/admin/intake/importedmessage/")
    assert "&lt;x@y&gt;" not in response.content.decode()


def test_setup_schedules_creates_the_mail_fetch_schedule(db):
    call_command("setup_schedules")
    schedule = Schedule.objects.get(name="intake: fetch complaint mail")
    assert (schedule.func, schedule.minutes) == ("intake.tasks.fetch_mail", 5)
