"""Security test fixtures: the settings and data the fuzz run of the public form and the Open311
endpoint works against (tests/security/test_fuzz_public.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import caches

from complaints.models import Category, Channel
from intake import services as intake_services

FUZZ_API_KEY = "fuzz-open311-key"
FUZZ_JURISDICTION = "complaints.example.cn"
# Small, so that oversized evidence is cheap to generate.
FUZZ_UPLOAD_MAX_BYTES = 8 * 1024


@pytest.fixture
def fuzz_settings(settings, tmp_path):
    """Uploads in a temporary media folder, notices sent in-process (so the test sees what a
    commit would send), one Open311 key and jurisdiction, a clean rate-limit cache."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REDRESS_TASKS_SYNC = True
    settings.REDRESS_OPEN311_API_KEYS = [FUZZ_API_KEY]
    settings.REDRESS_OPEN311_JURISDICTION_ID = FUZZ_JURISDICTION
    settings.REDRESS_OPEN311_PUBLIC_DESCRIPTIONS = False
    settings.REDRESS_PUBLIC_BASE_URL = "https://complaints.example.cn"
    settings.REDRESS_UPLOAD_MAX_BYTES = FUZZ_UPLOAD_MAX_BYTES
    settings.REDRESS_PUBLIC_MAX_FILES = 5
    settings.REDRESS_PUBLIC_MAX_DESCRIPTION = 5000
    settings.REDRESS_PUBLIC_MAX_REQUEST_BYTES = 30 * 1024 * 1024
    settings.REDRESS_PUBLIC_SUBMIT_LIMIT = 10
    settings.REDRESS_CLIENT_IP_HEADER = ""
    settings.DEFAULT_FROM_EMAIL = "Complaints <complaints@example.cn>"
    caches[settings.REDRESS_RATE_LIMIT_CACHE].clear()
    return settings


@dataclass(frozen=True)
class FuzzWorld:
    leaf: Category
    other_leaf: Category
    parent: Category
    inactive: Category
    # An Open311 request already on file, for the GET side.
    reference: str


@pytest.fixture
def fuzz_world(fuzz_settings, category, other_category) -> FuzzWorld:
    inactive = Category.objects.create(
        code="retired-topic", name="Retired topic", parent=category.parent, active=False
    )
    complaint, _created = intake_services.register_open311(
        channel=Channel.WEB,
        description="路灯坏了 / The street light is broken.",
        category=category,
        location={
            "lat": 31.2304,
            "long": 121.4737,
            "address_string": "上海市黄浦区人民大道200号",
            "address_id": "",
            "media_url": "",
            "device_id": "",
            "account_id": "",
            "attributes": {},
        },
        complainant_name="Li Lei",
    )
    return FuzzWorld(
        leaf=category,
        other_leaf=other_category,
        parent=category.parent,
        inactive=inactive,
        reference=complaint.reference,
    )
