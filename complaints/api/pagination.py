"""Cursor pagination and ordering for complaint lists.

A page is ``WHERE received_at < <cursor> ORDER BY received_at DESC, id DESC LIMIT n+1`` on the
``cmp_received_idx`` index: it costs the same at page 1 and page 20 000, and there is no
``COUNT(*)`` over the table (a page-number paginator's count of a million rows takes longer
than the page itself). A client follows ``next`` until it is null.

Both query parameters are strict: a page size or an ordering the API does not offer is a 400
naming the parameter, not silently replaced by the default (the client would page through
something else than it asked for).
"""

from __future__ import annotations

from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import CursorPagination

from complaints import datebounds


class ComplaintCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-received_at", "-id")

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)s.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with 404, which would read as "no such list";
        # it is invalid input.
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise self._invalid() from exc
        if cursor is not None and cursor.position is not None and self._orders_by_time():
            # The API writes times with their offset, within the years a complaint's times may
            # take; a naive, impossible or far-off one was not written by it (a naive one would
            # be read in the server's time zone, a far-off one overflows on SQLite).
            try:
                when = parse_datetime(cursor.position)
            except ValueError as exc:  # well-formed but impossible, e.g. 31 February
                raise self._invalid() from exc
            if when is None or when.tzinfo is None or not datebounds.in_bounds(when):
                raise self._invalid()
        return cursor

    def _orders_by_time(self) -> bool:
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        return isinstance(field, models.DateTimeField)

    def _invalid(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [_("Invalid cursor.")]})

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
        return parameters


class StrictOrderingFilter(OrderingFilter):
    """One ordering column from ``view.ordering_fields``, ascending or with ``-`` descending."""

    def _choices(self, view) -> list[str]:
        return [f"{sign}{field}" for field in view.ordering_fields for sign in ("", "-")]

    def get_ordering(self, request, queryset, view):
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return self.get_default_ordering(view)
        if raw not in self._choices(view):
            raise exceptions.ValidationError(
                {
                    self.ordering_param: [
                        _("One of: %(choices)s.") % {"choices": ", ".join(self._choices(view))}
                    ]
                }
            )
        return (raw,)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": force_str(
                    _("Sort by this column; a leading minus sorts descending.")
                ),
                "schema": {"type": "string", "enum": self._choices(view)},
            }
        ]
