"""The project's own Python source, parsed once, for the architecture tests.

"Source" is every module outside the tests, the migrations and the virtualenv: what production
imports, plus ``manage.py`` and ``scripts/``. Each module knows its app (the top-level package
it sits in: ``complaints``, ``intake``... or None) and the modules it imports, at the top of the
file or inside a function, including ``import_module("...")``/``import_string("...")`` of a
literal name, which the import graph would otherwise not show.
"""

from __future__ import annotations

import ast
import functools
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The core and the apps around it (DESIGN.md, ARCHITECTURE.md), and the project's wiring.
CORE = "complaints"
APPS = ("complaints", "intake", "escalation", "reporting", "correspondence", "improvement")
PROJECT = "config"

_SKIPPED_DIRS = {".venv", ".git", "tests", "migrations", "node_modules", "staticfiles", "media"}
_DYNAMIC_IMPORTERS = {"import_module", "import_string", "__import__"}


@dataclass(frozen=True)
class Import:
    target: str  # the dotted name imported: "escalation.selectors", "complaints.models"
    line: int

    @property
    def top(self) -> str:
        return self.target.split(".")[0]

    @property
    def module(self) -> str:
        """The app-level module it names: "escalation.models" for escalation.models.Notice."""
        return ".".join(self.target.split(".")[:2])


@dataclass
class Module:
    path: Path
    text: str

    @property
    def rel(self) -> str:
        return self.path.relative_to(ROOT).as_posix()

    @property
    def name(self) -> str:
        """The dotted module name: "reporting.signals", "complaints.api" (its __init__)."""
        parts = list(self.path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    @property
    def package(self) -> str:
        return self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]

    @property
    def app(self) -> str | None:
        top = self.name.split(".")[0]
        return top if top in (*APPS, PROJECT) else None

    @functools.cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.text, filename=self.rel)

    @functools.cached_property
    def imports(self) -> list[Import]:
        found = []
        for node in ast.walk(self.tree):
            found += [Import(target, node.lineno) for target in self._imported_by(node)]
        return sorted(found, key=lambda i: i.line)

    def _imported_by(self, node: ast.AST) -> list[str]:
        if isinstance(node, ast.Import):
            return [alias.name for alias in node.names]
        if isinstance(node, ast.ImportFrom):
            base = self._absolute(node)
            # "from escalation import notify" imports escalation.notify (a module or a name in
            # escalation/__init__.py: either way the importer depends on that name).
            if "." not in base:
                return [f"{base}.{alias.name}" for alias in node.names]
            return [base]
        if (
            isinstance(node, ast.Call)
            and _called_name(node.func) in _DYNAMIC_IMPORTERS
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            return [node.args[0].value]
        return []

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        package = self.package.split(".")
        base = package[: len(package) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])

    def strings(self) -> list[tuple[int, str]]:
        """Every string literal (f-string parts included) that is not a docstring."""
        docstrings = {
            id(body[0].value)
            for node in ast.walk(self.tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and (body := node.body)
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        }
        return sorted(
            (node.lineno, node.value)
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        )

    def functions(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@functools.cache
def modules() -> tuple[Module, ...]:
    found = []
    for directory, subdirs, files in os.walk(ROOT):
        subdirs[:] = sorted(d for d in subdirs if d not in _SKIPPED_DIRS and not d.startswith("."))
        for file in sorted(files):
            if file.endswith(".py"):
                path = Path(directory, file)
                found.append(Module(path, path.read_text(encoding="utf-8")))
    return tuple(found)


def app_modules() -> list[Module]:
    return [m for m in modules() if m.app in APPS]
