#!/usr/bin/env python
"""Keep the Simplified Chinese catalogue (locale/zh_Hans/LC_MESSAGES/django.po) complete.

    python scripts/messages.py                 # extract new strings, compile, list untranslated
    python scripts/messages.py --add zh.json   # also merge translations {"msgid": "msgstr", ...}
    python scripts/messages.py --check         # exit 1 if anything is untranslated or fuzzy

Runs under a file lock, so several people (or agents) refreshing the catalogue at once queue
instead of overwriting each other. The .po file is the single source of truth.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def untranslated(po: polib.POFile) -> list[str]:
    return [e.msgid for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--add", type=Path, action="append", default=[])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    manage = [sys.executable, str(ROOT / "manage.py")]
    with open(ROOT / "locale" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not args.check:
            subprocess.run(
                [
                    *manage,
                    "makemessages",
                    "-l",
                    "zh_Hans",
                    "--no-obsolete",
                    "--add-location=file",
                    "--ignore=.venv/*",
                    "--ignore=tests/*",
                    "--ignore=staticfiles/*",
                    "--ignore=media/*",
                    "--ignore=scripts/*",
                    "-v0",
                ],
                cwd=ROOT,
                check=True,
            )
        po = polib.pofile(str(PO))
        po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        po.metadata["Language"] = "zh_Hans"
        additions: dict[str, str | list[str]] = {}
        for path in args.add:
            additions.update(json.loads(path.read_text(encoding="utf-8")))
        for entry in po:
            value = additions.get(entry.msgid)
            if value is None:
                continue
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value[0] if isinstance(value, list) else value}
            else:
                entry.msgstr = value if isinstance(value, str) else value[0]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        if not args.check:
            po.save()
            subprocess.run([*manage, "compile_catalogue", "-v0"], cwd=ROOT, check=True)
        missing = untranslated(po)
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(po) - len(missing)} of {len(po)} strings translated")
    return 1 if (args.check and missing) else 0


if __name__ == "__main__":
    sys.exit(main())
