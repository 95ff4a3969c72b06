"""Every module and function reads in one sitting (issue #17's "done when").

Outside migrations and tests: no module over 600 lines, no function over 60 lines (from its
``def`` to its last line, docstring included; decorators not counted). A module that grows past
the bar becomes a package whose ``__init__`` re-exports its public names; a function becomes
well-named helpers that read in order. No exceptions are allowed today.
"""

from __future__ import annotations

import ast

from tests.architecture.source import modules

MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60


def test_no_module_over_600_lines():
    offences = [
        f"{m.rel}: {lines} lines: split it into a package by concern, re-exporting its names"
        for m in modules()
        if (lines := len(m.text.splitlines())) > MAX_MODULE_LINES
    ]
    assert not offences, f"modules over {MAX_MODULE_LINES} lines\n  " + "\n  ".join(offences)


def test_no_function_over_60_lines():
    offences = [
        f"{m.rel}:{f.lineno} {f.name}: {lines} lines: split it into helpers that read in order"
        for m in modules()
        for f in ast.walk(m.tree)
        if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
        and (lines := f.end_lineno - f.lineno + 1) > MAX_FUNCTION_LINES
    ]
    assert not offences, f"functions over {MAX_FUNCTION_LINES} lines\n  " + "\n  ".join(offences)
