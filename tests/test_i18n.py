"""The Simplified Chinese catalogue is complete, compiled, and used by default."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_string_has_a_simplified_chinese_translation():
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert missing == []


def test_the_compiled_catalogue_matches_the_source():
    def entries(catalogue) -> dict:
        return {
            (e.msgctxt, e.msgid): e.msgstr
            for e in catalogue
            if not e.msgid_plural and e.msgid and e.msgstr and "fuzzy" not in e.flags
        }

    po = polib.pofile(str(PO))
    mo = polib.mofile(str(PO.with_suffix(".mo")))
    assert entries(mo) == entries(po)


@pytest.mark.django_db
def test_the_admin_speaks_chinese_by_default_and_english_on_request(client, gm):
    client.force_login(gm)
    url = reverse("admin:complaints_complaint_changelist")
    assert "投诉" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": url})
    assert "Select complaint to change" in client.get(url).content.decode()
