"""Move the notices intake sent by email into correspondence's one outbox (``Message``), so the
complaint page lists every message the complainant was sent, old and new. Their text was never
kept; the subject, recipient, Message-ID (replies still thread by it) and times are."""

from django.db import migrations

PURPOSE = {
    "acknowledgement": "acknowledgement",
    "acceptance": "acceptance",
    "rejection": "refusal",
    "resolution": "decision",
    "follow_up": "follow_up",
}
BODY = "(sent before this release; text not kept)"


def forwards(apps, schema_editor):
    Notification = apps.get_model("intake", "Notification")
    Message = apps.get_model("correspondence", "Message")
    batch = []
    for notice in Notification.objects.order_by("pk").iterator(chunk_size=2000):
        purpose = PURPOSE[notice.kind]
        batch.append(
            Message(
                complaint_id=notice.complaint_id,
                channel="email",
                purpose=purpose,
                event_key=f"{purpose}:{notice.event_version}",
                event_version=notice.event_version,
                recipient=notice.recipient,
                language=notice.language,
                subject=notice.subject,
                body=BODY,
                status="sent" if notice.sent_at else "failed",
                send_after=notice.created_at,
                attempts=notice.attempts,
                sent_at=notice.sent_at,
                last_error=notice.last_error
                or ("" if notice.sent_at else "Not sent before this release."),
                message_id=notice.message_id,
                created_at=notice.created_at,
            )
        )
        if len(batch) >= 2000:
            Message.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        Message.objects.bulk_create(batch, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0001_notices_imported_mail_open311"),
        ("correspondence", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
