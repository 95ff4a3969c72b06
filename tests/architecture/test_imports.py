"""The direction of dependencies and the "one place for each thing" rules of ARCHITECTURE.md.

Each rule is its own test, and each failure names the file, the line and the way to go. The
rules read the source with ``ast`` (function-level imports and ``import_module("...")`` count
too); see ``tests/architecture/source.py`` for what counts as source.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django_fsm import TransitionNotAllowed

from tests.architecture.source import APPS, CORE, PROJECT, Module, app_modules, modules

# Between two apps other than the core, these are the only ways in (ARCHITECTURE.md).
PUBLIC = "{app}.selectors"  # reads
PUBLIC_EXTRA = {"escalation.notify"}  # notices to staff

# The only two context variables, neither of which carries business data (ARCHITECTURE.md).
CONTEXTVAR_MODULES = {"complaints/db.py", "complaints/signals.py"}
LOCKING = "complaints/locking.py"
HISTORY_DIFF = "complaints/history.py"


def report(offences: list[str], rule: str) -> str:
    return f"{rule}\n  " + "\n  ".join(offences)


def _cross_app_imports():
    for module in app_modules():
        for imp in module.imports:
            if imp.top in (*APPS, PROJECT) and imp.top != module.app:
                yield module, imp


def test_the_core_imports_no_other_app():
    offences = [
        f"{m.rel}:{i.line} imports {i.target}: the core imports no other app; let that app "
        "register with the core from its AppConfig.ready (as complaints.panels and "
        "complaints.queues allow) or receive the core's signals"
        for m, i in _cross_app_imports()
        if m.app == CORE
    ]
    assert not offences, report(offences, "complaints must not depend on the apps around it")


def test_apps_reach_each_other_only_through_a_public_module():
    offences = []
    for m, i in _cross_app_imports():
        if m.app == CORE or i.top in (CORE, PROJECT):
            continue
        if i.module == PUBLIC.format(app=i.top) or i.module in PUBLIC_EXTRA:
            continue
        offences.append(
            f"{m.rel}:{i.line} imports {i.target}: go through {PUBLIC.format(app=i.top)} "
            "(reads)" + (", or escalation.notify (staff notices)" if i.top == "escalation" else "")
        )
    assert not offences, report(offences, "apps other than the core meet only at public modules")


def test_no_app_imports_the_project_wiring():
    offences = [
        f"{m.rel}:{i.line} imports {i.target}: config wires the apps together (settings, urls, "
        "routers); an app reads settings through django.conf.settings"
        for m, i in _cross_app_imports()
        if i.top == PROJECT
    ]
    assert not offences, report(offences, "apps do not import config")


def test_the_apps_import_each_other_without_a_cycle():
    edges: dict[str, dict[str, str]] = defaultdict(dict)
    for m, i in _cross_app_imports():
        if i.top in APPS:
            edges[m.app].setdefault(i.top, f"{m.rel}:{i.line} imports {i.target}")
    cycles = []

    def visit(app: str, path: list[str]) -> None:
        for nxt in sorted(edges[app]):
            if nxt == path[0]:
                cycles.append([*path, nxt])
            elif nxt not in path and nxt > path[0]:  # each cycle once, from its smallest app
                visit(nxt, [*path, nxt])

    for app in sorted(edges):
        visit(app, [app])
    offences = [
        " → ".join(cycle)
        + "".join(f"\n      {edges[a][b]}" for a, b in zip(cycle, cycle[1:], strict=False))
        for cycle in cycles
    ]
    assert not offences, report(offences, "a dependency cycle between apps")


def _tables_by_app() -> dict[str, set[str]]:
    tables: dict[str, set[str]] = defaultdict(set)
    for config in apps.get_app_configs():
        if config.label in APPS:
            for model in config.get_models(include_auto_created=True):
                tables[config.label].add(model._meta.db_table)
    return tables


def test_no_app_names_another_apps_table_in_sql():
    tables = _tables_by_app()
    offences = []
    for module in app_modules():
        others = sorted(t for app, names in tables.items() if app != module.app for t in names)
        pattern = re.compile(r"(?<![\w.])(" + "|".join(map(re.escape, others)) + r")(?!\w)")
        for line, text in module.strings():
            for table in sorted(set(pattern.findall(text))):
                owner = next(app for app, names in tables.items() if table in names)
                offences.append(
                    f"{module.rel}:{line} names the {owner} app's table {table}: ask {owner} "
                    f"through {'its models or ' if owner == CORE else ''}{owner}.selectors"
                )
    assert not offences, report(offences, "no app reads another app's tables by SQL")


def test_no_app_names_another_apps_model_by_label():
    """A model label in a string ("escalation.CalendarDay" as a signal sender, a lazy foreign
    key, ``apps.get_model``) is an import the import graph does not show."""
    labels = {
        model._meta.label_lower: config.label
        for config in apps.get_app_configs()
        if config.label in APPS
        for model in config.get_models()
    }
    offences = []
    for module in app_modules():
        for line, text in [*module.strings(), *_get_model_calls(module)]:
            owner = labels.get(text.lower())
            if owner in (None, module.app, CORE):
                continue
            offences.append(
                f"{module.rel}:{line} names the {owner} app's model {text}: depend on {owner} "
                f"through {owner}.selectors, or have {owner} send a signal of its own"
            )
    assert not offences, report(offences, "no app reaches into another app's models by label")


def _get_model_calls(module: Module) -> list[tuple[int, str]]:
    """``get_model("app", "Model")`` as the label "app.Model"."""
    return [
        (node.lineno, f"{node.args[0].value}.{node.args[1].value}")
        for node in ast.walk(module.tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", getattr(node.func, "id", "")) == "get_model"
        and len(node.args) == 2
        and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
    ]


def _calls(module: Module, node: ast.AST, attribute: str) -> list[int]:
    return sorted(
        n.lineno
        for n in ast.walk(node)
        if isinstance(n, ast.Call)
        and (
            isinstance(n.func, ast.Attribute)
            and n.func.attr == attribute
            or isinstance(n.func, ast.Name)
            and n.func.id == attribute
        )
    )


def test_context_variables_live_only_in_the_two_allowed_modules():
    offences = [
        f"{m.rel}:{line} creates a ContextVar: pass the value as an argument or in the signal's "
        "keyword arguments (only complaints.db and complaints.signals keep one)"
        for m in modules()
        if m.rel not in CONTEXTVAR_MODULES
        for line in _calls(m, m.tree, "ContextVar")
    ]
    assert not offences, report(offences, "no ContextVar carries business data")


def test_rows_are_locked_only_through_complaints_locking():
    offences = [
        f"{m.rel}:{line} calls select_for_update: use complaints.locking.lock / lock_all"
        for m in modules()
        if m.rel != LOCKING
        for line in _calls(m, m.tree, "select_for_update")
    ]
    assert not offences, report(offences, "one lock helper")


def test_history_rows_are_compared_only_through_complaints_history():
    offences = [
        f"{m.rel}:{line} calls diff_against: use complaints.history.changes / changed_fields"
        for m in modules()
        if m.rel != HISTORY_DIFF
        for line in _calls(m, m.tree, "diff_against")
    ]
    assert not offences, report(offences, "one history diff")


# --- receivers react, they never refuse ----------------------------------------------------------

REFUSALS = (TransitionNotAllowed, PermissionDenied, ValidationError)


def _refusal_classes() -> tuple[type[BaseException], ...]:
    from complaints.services import ServiceError

    return (ServiceError, *REFUSALS)


def _receivers(module: Module) -> list[tuple[Module, ast.FunctionDef]]:
    """Functions decorated with ``@receiver``, or passed to ``<signal>.connect`` in this module
    (by name, or as ``module.function`` of a module imported here), with their module."""
    defs = {f.name: f for f in module.functions()}
    found = [
        (module, f)
        for f in defs.values()
        if any(
            isinstance(d, ast.Call)
            and getattr(d.func, "id", getattr(d.func, "attr", "")) == "receiver"
            for d in f.decorator_list
        )
    ]
    for call in ast.walk(module.tree):
        if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "connect" and call.args:
            target = call.args[0]
            if isinstance(target, ast.Name) and target.id in defs:
                found.append((module, defs[target.id]))
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                other = _imported_module(module, target.value.id)
                if other is not None:
                    found += [(other, f) for f in other.functions() if f.name == target.attr]
    return found


def _imported_module(module: Module, alias: str) -> Module | None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for name in node.names:
                if (name.asname or name.name) == alias:
                    dotted = f"{node.module}.{name.name}"
                    return next((m for m in modules() if m.name == dotted), None)
    return None


def _reached(module: Module, receiver: ast.FunctionDef) -> list[ast.FunctionDef]:
    """The receiver and the functions of its own module it calls, directly or not."""
    defs = {f.name: f for f in module.functions()}
    seen, todo = [], [receiver]
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.append(function)
        todo += [
            defs[n.func.id]
            for n in ast.walk(function)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in defs
        ]
    return seen


def _raised_class(module: Module, function: ast.FunctionDef, raised: ast.expr):
    """The class a ``raise`` statement raises, looked up as Python would, or None."""
    node = raised.func if isinstance(raised, ast.Call) else raised
    names = []
    while isinstance(node, ast.Attribute):
        names.insert(0, node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    names.insert(0, node.id)
    scope = importlib.import_module(module.name)
    for imp in ast.walk(function):  # a function-level "from x import Error"
        if isinstance(imp, ast.ImportFrom) and imp.module:
            for alias in imp.names:
                if (alias.asname or alias.name) == names[0]:
                    scope = importlib.import_module(imp.module)
                    names[0] = alias.name
    value = scope
    for name in names:
        value = getattr(value, name, None)
    return value if isinstance(value, type) else None


def test_signal_receivers_never_raise_a_refusal():
    """A receiver reacts (enqueue, notify, refresh a cache); whether a change is allowed is the
    service's decision, where a reader of the service sees it. Best effort: a ``raise`` of a
    service error (or a refusal Django and django-fsm know) in a receiver, or in a function of
    the receiver's module that it calls."""
    refusals = _refusal_classes()
    offences = []
    receivers = {
        (m.rel, f.lineno): (m, f) for module in app_modules() for m, f in _receivers(module)
    }
    for module, receiver in receivers.values():
        for function in _reached(module, receiver):
            for node in ast.walk(function):
                if not isinstance(node, ast.Raise) or node.exc is None:
                    continue
                raised = _raised_class(module, function, node.exc)
                if raised is not None and issubclass(raised, refusals):
                    via = "" if function is receiver else f" (through {function.name})"
                    offences.append(
                        f"{module.rel}:{node.lineno} receiver {receiver.name}{via} raises "
                        f"{raised.__name__}: receivers react, they never refuse; check the "
                        "rule in the service that makes the change"
                    )
    assert not offences, report(offences, "no receiver enforces a rule")
