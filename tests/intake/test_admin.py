"""Intake's admin pages: read-only, scoped by the visibility function."""

from __future__ import annotations

from django.core.management import call_command
from django_q.models import Schedule

from intake import mail


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
