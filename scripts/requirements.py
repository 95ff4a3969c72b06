#!/usr/bin/env python3
"""Print the requirements pyproject.toml declares, one a line, for ``pip install -r``.

    python scripts/requirements.py        # what running needs (the base dependencies)
    python scripts/requirements.py dev    # the base dependencies and the dev extras

``make install`` installs these instead of the project itself: Redress runs from its checkout
(manage.py, gunicorn and pytest all import it from the repository root), so building it as a
package would only cost a download of setuptools and print setuptools' banners about editable
installs. pyproject.toml stays the one list of dependencies.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    lines = list(project["dependencies"])
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    return lines


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
