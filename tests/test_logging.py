"""The server log prints each record once: a 403's or a 500's traceback used to appear twice,
once from the handler Django's default configuration puts on the "django" logger and once from
the root handler it propagates to."""

from __future__ import annotations

import logging

import pytest


def printing_handlers(name: str) -> list[logging.Handler]:
    """The stream handlers a record logged on ``name`` reaches (pytest's own capture left out),
    whatever their DEBUG filters: DEBUG differs between the tests and ``make run``."""
    found = []
    logger: logging.Logger | None = logging.getLogger(name)
    while logger is not None:
        found += [
            handler
            for handler in logger.handlers
            if isinstance(handler, logging.StreamHandler)
            and not type(handler).__module__.startswith("_pytest")
        ]
        if not logger.propagate:
            break
        logger = logger.parent
    return found


@pytest.mark.parametrize(
    "name", ["django.request", "django.security.csrf", "django.security.DisallowedHost", "intake"]
)
def test_a_warning_or_error_is_printed_by_exactly_one_handler(name):
    assert len(printing_handlers(name)) == 1


def test_runserver_request_lines_are_still_printed_once():
    [handler] = printing_handlers("django.server")
    assert logging.getLogger("django.server").isEnabledFor(logging.INFO)
    assert handler.formatter is not None
