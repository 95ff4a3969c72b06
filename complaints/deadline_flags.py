"""Flags on a complaint's deadlines that only another app can compute.

The core stores due times but does not know working calendars: whether a deadline counted in
working time falls in a calendar year not yet confirmed (DOMAIN.md: "a year not yet announced
is provisional, and every deadline that falls in it says so") is the escalation app's
knowledge. It registers its answer here from its ``AppConfig.ready``, so the core's pages and
API can show the flag without importing that app. With nothing registered, no deadline is
provisional.
"""

from __future__ import annotations

from collections.abc import Callable

_provisional_checks: list[Callable[[object], bool]] = []


def register_provisional_check(check: Callable[[object], bool]) -> None:
    if check not in _provisional_checks:
        _provisional_checks.append(check)


def provisional(complaint) -> bool:
    return any(check(complaint) for check in _provisional_checks)
