"""Compile the translation catalogues (.po → .mo) without GNU gettext.

Django's ``compilemessages`` runs GNU ``msgfmt``, which a fresh machine does not have; the
README's set-up asks for nothing but Python 3.11 and make. polib (pure Python) writes the same
catalogue: translated entries only (fuzzy and obsolete ones left out, as msgfmt does), with the
header, contexts and plural forms. ``make install`` runs this every time the .po is newer than
its .mo, so a pulled translation is never served stale. ``make messages`` (extracting new
strings) still needs GNU gettext: it is a maintainer's task.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogues() -> list[Path]:
    """Every .po under the project's LOCALE_PATHS (the apps ship no catalogues of their own)."""
    found: list[Path] = []
    for base in settings.LOCALE_PATHS:
        found += sorted(Path(base).glob("*/LC_MESSAGES/*.po"))
    return found


def compile_catalogue(po_path: Path) -> Path:
    """Write ``po_path``'s .mo beside it, atomically (a running server never reads half a file)."""
    try:
        po = polib.pofile(str(po_path))
    except (OSError, ValueError) as exc:
        raise CommandError(f"{po_path}: {exc}") from exc
    mo_path = po_path.with_suffix(".mo")
    handle, tmp = tempfile.mkstemp(dir=mo_path.parent, prefix=".django-", suffix=".mo")
    os.close(handle)
    try:
        po.save_as_mofile(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the catalogue is no secret
        os.replace(tmp, mo_path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return mo_path


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po → .mo) in pure Python; no GNU gettext needed."

    def handle(self, *args, **options) -> None:
        paths = catalogues()
        if not paths:
            raise CommandError("No .po catalogue found under LOCALE_PATHS.")
        for po_path in paths:
            mo_path = compile_catalogue(po_path)
            if options["verbosity"] >= 1:
                self.stdout.write(f"Compiled {mo_path.relative_to(settings.BASE_DIR)}")
