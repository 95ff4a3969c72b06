"""Outbox fixtures: the templates the automatic notices use (the default ones come from a data
migration; tests write their own so they know every word), tasks run in-process by django-q2,
and on-commit callbacks run as a real commit would."""

from __future__ import annotations

import pytest

from correspondence.models import MessageTemplate

# purpose → (subject, body); the same text for every channel and language, tagged with both
# so a test can tell which template was used.
TEXTS = {
    "acknowledgement": (
        "[{{ reference }}] Received",
        "Received {{ reference }}, code {{ tracking_code }}.",
    ),
    "acceptance": (
        "[{{ reference }}] Accepted",
        "Accepted {{ reference }} on {{ accepted_date }}.",
    ),
    "refusal": (
        "[{{ reference }}] Refused",
        "Refused {{ reference }}. Reason: {{ reason }}. "
        "Appeal by {{ appeal_deadline }} ({{ appeal_window_days }} days).",
    ),
    "extension": (
        "[{{ reference }}] Extended",
        "Extended {{ reference }} to {{ new_due_date }}. Reason: {{ reason }}.",
    ),
    "escalation": ("[{{ reference }}] Escalated", "Escalated {{ reference }}."),
    "decision": ("[{{ reference }}] Decision", "Decision on {{ reference }}: {{ decision }}"),
    "survey": ("[{{ reference }}] Survey", "How did we do? {{ survey_url }}"),
    "follow_up": ("[{{ reference }}] Thanks", "Thanks for your feedback on {{ reference }}."),
}


def make_templates(languages=("zh-hans", "en"), channels=("email", "sms", "letter")) -> None:
    for purpose, (subject, body) in TEXTS.items():
        for channel in channels:
            for language in languages:
                MessageTemplate.objects.update_or_create(
                    purpose=purpose,
                    channel=channel,
                    language=language,
                    defaults={
                        "name": f"{purpose} {channel} {language}",
                        "subject": subject,
                        "body": f"{body} ({language})",
                        "active": True,
                    },
                )


@pytest.fixture
def templates(db):
    make_templates()


@pytest.fixture(autouse=True)
def outbox_settings(settings, tmp_path):
    settings.REDRESS_TASKS_SYNC = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REDRESS_PUBLIC_BASE_URL = "https://complaints.example.cn"
    settings.DEFAULT_FROM_EMAIL = "Complaints <complaints@example.cn>"
    settings.REDRESS_MAIL_REPLY_TO = "complaints@example.cn"
    settings.REDRESS_SMS_SIGNATURE = "Redress"
    return settings


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the send tasks) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def no_default_templates(db):
    """Start from an empty 话术库: these tests write every template they use (``templates``) and
    test what happens without one; the defaults of the data migration would answer first."""
    MessageTemplate.objects.all().delete()
