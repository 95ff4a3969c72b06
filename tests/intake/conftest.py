"""Intake test fixtures: notices sent through a real django-q2 task run (sync) from known
templates, uploads kept in a temporary media folder, a clean rate-limit cache, an Open311 API
key, and a real Maildir."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services

MAIL_FIXTURES = Path(__file__).parent / "mail"
API_KEY = "open311-test-key"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def intake_settings(settings, tmp_path):
    settings.REDRESS_TASKS_SYNC = True
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REDRESS_OPEN311_API_KEYS = [API_KEY]
    settings.REDRESS_OPEN311_JURISDICTION_ID = ""
    settings.REDRESS_PUBLIC_BASE_URL = "https://complaints.example.cn"
    settings.DEFAULT_FROM_EMAIL = "Complaints <complaints@example.cn>"
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()
    return settings


@pytest.fixture(autouse=True)
def message_templates(db):
    """The templates of the automatic notices (shipped by a data migration; written here so the
    tests know their words)."""
    from tests.correspondence.conftest import make_templates

    make_templates()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run on_commit callbacks (the notice tasks) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def exe(name: str = "invoice.pdf") -> SimpleUploadedFile:
    """A Windows executable wearing a PDF name."""
    return SimpleUploadedFile(name, b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")


def eml(name: str) -> bytes:
    return (MAIL_FIXTURES / name).read_bytes()


@pytest.fixture
def maildir(tmp_path):
    """A real Maildir; ``deliver(name)`` drops a fixture .eml into its new/ folder."""
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)

    class Box:
        path = str(tmp_path / "Maildir")

        def deliver(self, name: str) -> str:
            return box.add(eml(name))

        def inbox_count(self) -> int:
            return len(mailbox.Maildir(self.path, factory=None, create=False))

        def imported_count(self) -> int:
            return len(
                mailbox.Maildir(self.path, factory=None, create=False).get_folder("Imported")
            )

    return Box()


@pytest.fixture
def web_complaint(db):
    """A complaint from the public form, with an email address, in the unrouted queue."""

    def build(**fields):
        fields.setdefault("complainant_name", "王芳")
        fields.setdefault("complainant_email", "wang.fang@example.cn")
        fields.setdefault("complainant_language", "zh-hans")
        return services.register(
            by=None, channel="web", description=fields.pop("description", "收费错误"), **fields
        )

    return build
