"""ARCHITECTURE.md names real things, and every app explains how to change it."""

from __future__ import annotations

import importlib
import re

from tests.architecture.source import APPS, ROOT

DOCUMENT = ROOT / "ARCHITECTURE.md"


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` is a module, or a name inside one (``complaints.locking.lock``)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            value = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            value = getattr(value, name, None)
            if value is None:
                return False
        return True
    return False


def test_every_dotted_name_in_architecture_md_exists():
    text = DOCUMENT.read_text(encoding="utf-8")
    names = {
        match.split("(")[0]
        for match in re.findall(r"`([a-z_]+\.[A-Za-z_.]+)(?:\(|`)", text)
        if match.split(".")[0] in (*APPS, "config")
    }
    missing = sorted(name for name in names if not _resolves(name))
    assert not missing, "ARCHITECTURE.md names what the code no longer has: " + ", ".join(missing)


def test_every_file_architecture_md_links_exists():
    text = DOCUMENT.read_text(encoding="utf-8")
    missing = [p for p in re.findall(r"\]\(([^)#]+)\)", text) if not (ROOT / p).exists()]
    assert not missing, f"ARCHITECTURE.md links to missing files: {missing}"


def test_every_app_says_how_to_change_it():
    """ARCHITECTURE.md links each app's ``__init__.py``, whose docstring is its "How to
    change" section."""
    silent = []
    for app in APPS:
        module = importlib.import_module(app)
        if "how to change" not in (module.__doc__ or "").lower():
            silent.append(f"{app}/__init__.py")
    assert not silent, f"no 'How to change' docstring in: {', '.join(silent)}"
