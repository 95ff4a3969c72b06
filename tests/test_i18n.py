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


def test_the_catalogue_compiles_without_gnu_gettext_into_what_gettext_reads(
    tmp_path, settings, monkeypatch
):
    import gettext
    import shutil

    from django.core.management import call_command

    # No msgfmt on the PATH, as on a fresh machine: the command must not need it.
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(PO, folder / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("compile_catalogue", verbosity=0)

    with open(folder / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    po = polib.pofile(str(PO))
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert compiled.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr
        else:
            assert compiled.gettext(entry.msgid) == entry.msgstr
    assert compiled.info()["plural-forms"] == "nplurals=1; plural=0;"


def test_every_translated_string_is_one_makemessages_finds():
    """``makemessages`` extracts calls by name (``_``, ``gettext_lazy``, ``pgettext``...): a
    translation function imported under another name (``gettext_lazy as _lazy``) hides its
    strings from the catalogue, and they stay English in the Chinese UI."""
    import ast

    base = Path(settings.BASE_DIR)
    hidden = []
    for path in base.glob("*/**/*.py"):
        parts = path.relative_to(base).parts
        if parts[0] in {".venv", "tests", "staticfiles", "node_modules"} or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                hidden += [
                    f"{path.relative_to(base)}: {alias.name} as {alias.asname}"
                    for alias in node.names
                    if alias.asname not in (None, "_")
                ]
    assert hidden == []
