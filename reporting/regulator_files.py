"""The regulator export's files: CSV (rows only), CSV of the figures, and an XLSX workbook with
three sheets (Complaints, About, Summary).

The CSV's first row is the column keys and nothing comes before it: a spreadsheet opens it with
the keys as headers and an importer reads it with any CSV reader, with no comment line to skip.
The format version is in the file name (``redress-regulator-v1_2026-11_org.csv``) and in the
``X-Redress-Format`` header of the response. The figures have their own CSV, so the row file
stays one table.

Every text cell goes through ``safe_cell`` (``complaints.exports``): a description typed as
``=HYPERLINK(...)`` is shown, never run. The XLSX is written by openpyxl's write-only mode into
a spooled temporary file, so memory stays bounded whatever the period's size.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from complaints.exports import XLSX, _xlsx_cell, csv_response
from reporting.regulator import (
    COLUMNS,
    FILE_STEM,
    FORMAT_VERSION,
    Period,
    file_value,
    local,
)

DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def filename(period: Period, scope_key: str, ext: str, part: str = "") -> str:
    return f"{FILE_STEM}_{period}_{scope_key}{part}.{ext}"


def csv_rows(rows: Iterable[dict]) -> Iterator[list[Any]]:
    yield [column.key for column in COLUMNS]
    for row in rows:
        yield [file_value(column, row[column.key]) for column in COLUMNS]


def summary_rows(summary: list[tuple[str, Any, Any]]) -> Iterator[list[Any]]:
    yield ["key", "figure", "value"]
    for key, label, value in summary:
        yield [key, str(label), "" if value is None else value]


def about_rows(period: Period, scope_label: str) -> Iterator[list[Any]]:
    yield [_("Format version"), FORMAT_VERSION]
    yield [_("Period"), str(period)]
    yield [_("Scope"), scope_label]
    yield [_("Made at"), local(timezone.now()).strftime("%Y-%m-%d %H:%M:%S")]
    yield [_("Time zone"), settings.TIME_ZONE]
    yield []
    yield ["key", "中文", "English", "type", "meaning", "allowed values"]
    for column in COLUMNS:
        yield [
            column.key,
            column.zh,
            column.en,
            column.type,
            str(column.meaning),
            column.allowed,
        ]


def with_format(response):
    response["X-Redress-Format"] = FORMAT_VERSION
    return response


def rows_csv(name: str, rows: Iterable[dict]) -> StreamingHttpResponse:
    return with_format(csv_response(name, csv_rows(rows)))


def summary_csv(name: str, summary: list[tuple[str, Any, Any]]) -> StreamingHttpResponse:
    return with_format(csv_response(name, summary_rows(summary)))


def _row_cells(sheet, row: dict) -> list[WriteOnlyCell | None]:
    cells = []
    for column in COLUMNS:
        value = row[column.key]
        if column.type == "datetime" and value is not None:
            # A real date cell (sortable, filterable), in the organisation's time zone; Excel
            # has no time zones, so the About sheet names it.
            cell = WriteOnlyCell(sheet, local(value).replace(tzinfo=None))
            cell.number_format = DATETIME_FORMAT
            cells.append(cell)
        else:
            cells.append(_xlsx_cell(sheet, file_value(column, value)))
    return cells


# A worksheet holds 1,048,576 rows, the header included: a bigger period is cut there, and
# the About sheet says so (the CSV and the JSON have no such limit).
MAX_ROWS = 1_048_575


def workbook(
    period: Period,
    scope_label: str,
    rows: Iterable[dict],
    summary: list[tuple[str, Any, Any]],
    max_rows: int = MAX_ROWS,
):
    """The three sheets, written row by row into a spooled temporary file."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title="Complaints")
    sheet.append([column.key for column in COLUMNS])
    cut = False
    for written, row in enumerate(rows):
        if written == max_rows:
            cut = True
            break
        sheet.append(_row_cells(sheet, row))
    about = book.create_sheet(title="About")
    for line in about_rows(period, scope_label):
        about.append([_xlsx_cell(about, value) for value in line])
    if cut:
        about.append([])
        about.append(
            [
                _xlsx_cell(
                    about,
                    _(
                        "Cut at %(rows)s rows, as many as a worksheet holds: the CSV and the "
                        "JSON hold every complaint of the period."
                    )
                    % {"rows": max_rows},
                )
            ]
        )
    figures = book.create_sheet(title="Summary")
    for line in summary_rows(summary):
        figures.append([_xlsx_cell(figures, value) for value in line])
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - streamed
    book.save(handle)
    handle.seek(0)
    return handle


def rows_xlsx(name: str, handle) -> FileResponse:
    return with_format(FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX))
