"""Spreadsheet-safe writers shared by every export (the complaint list here, the monthly report
and the audit log in ``reporting``).

They live in the core because ``complaints`` imports no other app, and the list's export must
neutralise formulas exactly as the report's does: ``reporting.exports`` re-exports these names.

CSV is streamed row by row (StreamingHttpResponse); XLSX goes through openpyxl's write-only
workbook into a spooled temporary file that is then streamed from disk, so a large export never
sits in memory as objects. Every cell goes through ``safe_cell``.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 2000


# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"): a complainant who
# types =HYPERLINK(...) into the web form must not get a live link or a DDE call into the
# manager's Excel. The full-width forms are included because the complainants type Chinese: a
# cell that starts with one costs a visible apostrophe, and we do not rely on every
# spreadsheet's locale treating them as text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Control characters and spaces in front of a formula character do not make it text to every
# reader (and XLSX drops the control characters it cannot hold): look past them.
LEADING_BLANKS = "".join(chr(code) for code in range(33))


def safe_cell(value: Any) -> Any:
    """One exported cell, as every CSV and XLSX writer here writes it.

    Numbers (int, float, Decimal; negative ones included) stay numbers. Anything else becomes
    text, and text starting with a formula character gets a leading single quote, so it is
    shown, never run. None is an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) or text.lstrip(LEADING_BLANKS).startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _xlsx_cell(sheet, value: Any) -> WriteOnlyCell | None:
    if isinstance(value, str):
        # openpyxl refuses control characters a workbook cannot hold; drop them rather than
        # fail the whole export over one pasted character. Before the formula check, so
        # that "\x0b=1+1" cannot become a bare "=1+1".
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    value = safe_cell(value)
    if value == "":
        return None
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value)
        # Text is text: never a formula ("=..."), never an error code ("#N/A").
        cell.data_type = "s"
        return cell
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, Decimal):
        # As many decimals as the figure has (95.0, 250.00), as the page and the CSV show it.
        places = max(0, -int(value.as_tuple().exponent))
        cell.number_format = "0." + "0" * places if places else "0"
    return cell


def _xlsx_file(title: str, rows: Iterable[list[Any]]):
    """A workbook of one sheet written row by row (openpyxl's write-only mode) into a spooled
    temporary file: small workbooks stay in memory, large ones go to disk."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - streamed
    workbook.save(handle)
    handle.seek(0)
    return handle


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[list[Any]], language: str) -> Iterator[str]:
    # The body is produced after the view has returned: keep the request's language for it.
    with translation.override(language):
        writer = csv.writer(_Echo())
        # A byte-order mark so Excel opens UTF-8 (Chinese) CSV correctly.
        yield "\ufeff"
        for row in rows:
            yield writer.writerow([safe_cell(v) for v in row])


def csv_response(filename: str, rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _csv_lines(rows, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_stream_response(filename: str, title: str, rows: Iterable[list[Any]]) -> FileResponse:
    return FileResponse(
        _xlsx_file(title, rows), as_attachment=True, filename=filename, content_type=XLSX
    )
