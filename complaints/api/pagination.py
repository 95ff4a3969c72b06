"""Cursor pagination for complaint lists.

A page is ``WHERE received_at < <cursor> ORDER BY received_at DESC, id DESC LIMIT n+1`` on the
``cmp_received_idx`` index: it costs the same at page 1 and page 20 000, and there is no
``COUNT(*)`` over the table (a page-number paginator's count of a million rows takes longer
than the page itself). A client follows ``next`` until it is null.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.pagination import CursorPagination


class ComplaintCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = ("-received_at", "-id")

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with 404, which would read as "no such list";
        # it is invalid input.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [_("Invalid cursor.")]}
            ) from exc
