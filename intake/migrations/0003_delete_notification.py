"""Intake's own outbox of notices is gone: 0002 moved its rows into correspondence's Message."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0002_notifications_to_outbox"),
    ]

    operations = [
        migrations.DeleteModel(name="Notification"),
    ]
