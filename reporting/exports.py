"""CSV and XLSX exports of the report's figures, the month's complaint list and the audit log.

Lists are streamed: CSV row by row from a server-side cursor (StreamingHttpResponse), XLSX
through openpyxl's write-only workbook into a temporary file that is then streamed from disk,
so a month of forty thousand complaints never sits in memory as objects.

Every cell of every export goes through ``safe_cell`` (from ``complaints.exports``): text that a
spreadsheet would read as a formula is neutralised, and XLSX text cells are written as strings,
never inferred.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

# The writers and the formula safety live in the core, which the complaint list's export uses
# too; these names stay importable from here.
from complaints.exports import (  # noqa: F401 - re-exported
    CHUNK,
    FORMULA_STARTS,
    LEADING_BLANKS,
    XLSX,
    _xlsx_cell,
    _xlsx_file,
    csv_response,
    safe_cell,
    xlsx_stream_response,
)
from complaints.models import Complaint
from complaints.people import display_name
from complaints.selectors import mask, may_see_complainant
from reporting import causes
from reporting.history import RECORD_LABELS, action_label, field_labels
from reporting.months import zone

# --- figures ------------------------------------------------------------------------------------


def figure_rows(report) -> list[list[Any]]:
    header = [
        _("Figure"),
        str(report.month),
        _("Previous month"),
        _("Same month last year"),
        _("Target"),
    ]
    if report.showing_issued:
        header.append(_("Live recomputation"))
    rows = [header]
    for row in report.rows:
        target = ""
        if row.target:
            goal, direction = row.target
            target = f"≥ {goal}" if direction == "min" else f"≤ {goal}"
        line = [str(row.label), _cell(row.value), _cell(row.previous), _cell(row.last_year), target]
        if report.showing_issued:
            line.append(_cell(row.other) if row.changed else "")
        rows.append(line)
    for breakdown in report.breakdowns:
        rows.append([])
        rows.append([str(breakdown.title), str(report.month), _("Previous month"), _("Change")])
        rows.extend(
            [str(r["name"]), r["value"], r["previous"], r["change"]] for r in breakdown.rows
        )
    rows.extend(causes.export_rows(report))
    rows.extend(league_rows(report.league))
    return rows


def league_rows(league: list[dict[str, Any]]) -> list[list[Any]]:
    """The department league table as export rows (after a blank row), or none without one;
    the monthly, quarterly and annual exports share it."""
    if not league:
        return []
    header = [
        _("Department"),
        _("Received"),
        _("Resolved"),
        _("On-time rate"),
        _("Satisfaction rate"),
        _("Repeat complaints"),
    ]
    return [
        [],
        header,
        *(
            [
                str(r["name"]),
                r["received"],
                r["resolved"],
                _cell(r["on_time_rate"]),
                _cell(r["satisfaction_rate"]),
                r["repeats"],
            ]
            for r in league
        ),
    ]


def _cell(value: Any) -> Any:
    # Figures arrive as the page shows them (``figures.value``): rates and hours as Decimals with
    # one decimal, money with two; written as such, so the CSV reads 95.0 where the page does.
    return "" if value is None else value


def figures_csv(report, filename: str) -> StreamingHttpResponse:
    return csv_response(filename, figure_rows(report))


def figures_xlsx(report, filename: str) -> FileResponse:
    return xlsx_stream_response(filename, str(report.month), figure_rows(report))


# --- the month's complaint list -----------------------------------------------------------------


LIST_COLUMNS = [
    "reference",
    "received_at",
    "channel",
    "category__name",
    "category__parent__name",
    "priority",
    "department__name",
    "state",
    "tier",
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "confidential",
    "subject_department_id",
    "subject_person_id",
    "classified_at",
    "first_response_at",
    "resolved_at",
    "resolution_due_at",
    "follow_up_outcome",
    "closed_at",
    "substantiated",
    "remedy_amount",
    "repeat_of__reference",
    "reopen_count",
    "escalation_count",
]


def _labels(model_field: str) -> dict[str, str]:
    return {value: str(label) for value, label in Complaint._meta.get_field(model_field).choices}


def complaint_rows(user, complaints) -> Iterator[list[Any]]:
    """One row per complaint, the complainant masked where ``user`` may not see who it is.

    Reads plain value tuples (no model instances) and translates each choice label once, so a
    month of forty thousand complaints streams in a second or two.
    """
    yield complaint_headers()
    row_of = _ComplaintRow(user)
    for row in complaints.values_list(*LIST_COLUMNS).iterator(chunk_size=CHUNK):
        yield row_of(dict(zip(LIST_COLUMNS, row, strict=True)))


def complaint_headers() -> list[Any]:
    return [
        _("Reference"),
        _("Received at"),
        _("Channel"),
        _("Category"),
        _("Priority"),
        _("Department"),
        _("State"),
        _("Tier"),
        _("Complainant"),
        _("Phone"),
        _("Email"),
        _("Accepted at"),
        _("First response at"),
        _("Resolved at"),
        _("Resolution due"),
        _("On time"),
        _("Follow-up outcome"),
        _("Closed at"),
        _("Substantiated"),
        _("Remedy amount"),
        _("Repeat of"),
        _("Times reopened"),
        _("Escalations"),
    ]


class _ComplaintRow:
    """Writes one complaint's values as a row, with the choice labels translated once."""

    def __init__(self, user) -> None:
        self.user = user
        self.channel, self.priority, self.state, self.tier, self.outcome = (
            _labels(name) for name in ("channel", "priority", "state", "tier", "follow_up_outcome")
        )
        self.yes, self.no = _("yes"), _("no")
        self.tz = zone()

    def local(self, moment) -> str:
        return date_format(moment.astimezone(self.tz), "DATETIME_FORMAT") if moment else ""

    def __call__(self, c: dict[str, Any]) -> list[Any]:
        # The core's rule decides, on the three fields it reads.
        visible = may_see_complainant(self.user, SimpleNamespace(**c))

        def who(value: str) -> str:
            return value if visible else mask(value)

        local, yes, no = self.local, self.yes, self.no
        on_time = ""
        if c["resolved_at"] and c["resolution_due_at"]:
            on_time = yes if c["resolved_at"] <= c["resolution_due_at"] else no
        category = c["category__name"] or ""
        if c["category__parent__name"]:
            category = f"{c['category__parent__name']} / {category}"
        return [
            c["reference"],
            local(c["received_at"]),
            self.channel.get(c["channel"], c["channel"]),
            category,
            self.priority.get(c["priority"], c["priority"]),
            c["department__name"] or "",
            self.state.get(c["state"], c["state"]),
            self.tier.get(c["tier"], c["tier"]),
            who(c["complainant_name"]),
            who(c["complainant_phone"]),
            who(c["complainant_email"]),
            local(c["classified_at"]),
            local(c["first_response_at"]),
            local(c["resolved_at"]),
            local(c["resolution_due_at"]),
            on_time,
            self.outcome.get(c["follow_up_outcome"], ""),
            local(c["closed_at"]),
            "" if c["substantiated"] is None else (yes if c["substantiated"] else no),
            c["remedy_amount"],
            c["repeat_of__reference"] or "",
            c["reopen_count"],
            c["escalation_count"],
        ]


# --- the audit log ------------------------------------------------------------------------------


def audit_rows(records) -> Iterator[list[Any]]:
    yield [
        _("When (%(zone)s)") % {"zone": timezone.get_current_timezone_name()},
        _("By"),
        _("Complaint"),
        _("Record"),
        _("Action"),
        _("Fields changed"),
        _("Reason"),
        _("Seal"),
    ]
    for r in records.iterator(chunk_size=CHUNK):
        yield [
            date_format(timezone.localtime(r.history_date), "DATETIME_FORMAT"),
            display_name(r.user) if r.user_id else "",
            r.complaint.reference,
            str(RECORD_LABELS.get(r.model, r.model)),
            str(action_label(r.action)),
            ", ".join(field_labels(r.model, r.changed_fields)),
            r.reason,
            r.seal,
        ]
