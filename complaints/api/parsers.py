"""The API's JSON parser: DRF's, with a bound on how deeply a body may nest.

Python's ``json`` recurses once per ``[`` or ``{``: a body of a thousand ``[`` (a few
kilobytes, sent without logging in to ``/api/v1/auth/token/``) raised ``RecursionError``, which
DRF's parser does not catch, and the server answered 500. No request body of this API nests
more than two levels (an object of fields, a list of values), so anything deeper than
``MAX_DEPTH`` is refused with a 400 before a serializer sees it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 32

TOO_DEEP = _("The JSON body is nested more than %(depth)s levels deep.")


def nesting_depth(data: Any, limit: int) -> int:
    """How deeply lists and objects nest in ``data`` (a scalar is 0), counted without
    recursion and given up as soon as it passes ``limit``."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        depth += 1
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    """``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``'s JSON parser, and every view's that names
    one: a body nested deeper than ``MAX_DEPTH`` is a 400 (``parse_error``), never a 500."""

    max_depth = MAX_DEPTH

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            # Deeper than the interpreter's recursion limit: the decoder gave up on its own.
            raise ParseError(TOO_DEEP % {"depth": self.max_depth}) from None
        if nesting_depth(data, self.max_depth) > self.max_depth:
            raise ParseError(TOO_DEEP % {"depth": self.max_depth})
        return data
