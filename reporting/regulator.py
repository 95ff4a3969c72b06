"""The regulator and hotline export (format ``redress-regulator/1``): the complaints received in a
period and the period's figures, in a form a regulator or a 12345 hotline platform takes in.

The column dictionary ``COLUMNS`` is the contract: its keys, order, types and codes change only
with a new ``FORMAT_VERSION``. It is written into the XLSX ("About" sheet), the JSON (``columns``)
and the README (a test holds its table equal to it).

Values are the same in every format and every UI language: choices as their stable codes (the
dictionary lists them with their meaning), times in the organisation's time zone
(Asia/Shanghai), booleans as yes/no in files and true/false in JSON, empty for "not known yet".

Personal data is minimised (PIPL: only what the purpose needs): no phone, email, ID number,
address or complainant name. A platform matches rows to its own case by ``platform_reference``;
an inspector who needs a person opens the complaint in Redress, where access is audited.

Rows are read as value tuples through a server-side cursor (``iterator(chunk_size=...)``), so a
period of a million complaints streams in bounded memory.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.exports import CHUNK
from complaints.models import (
    Channel,
    Complaint,
    FollowUpOutcome,
    Priority,
    RejectReason,
    State,
    WithdrawReason,
)
from complaints.transfers import answered_in_time
from reporting import figures, selectors
from reporting.months import Month, zone

FORMAT_VERSION = "redress-regulator/1"
# In file names: "redress-regulator-v1_2026-Q4_org.csv".
FILE_STEM = "redress-regulator-v1"

# --- periods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``): the half-open
    interval [start, end) in the organisation's time zone, as the monthly report counts."""

    kind: str  # "month" | "quarter" | "year"
    year: int
    number: int = 0  # the month or the quarter; 0 for a year

    @property
    def first(self) -> Month:
        if self.kind == "month":
            return Month(self.year, self.number)
        if self.kind == "quarter":
            return Month(self.year, 3 * self.number - 2)
        return Month(self.year, 1)

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def start(self) -> dt.datetime:
        return self.first.start

    @property
    def end(self) -> dt.datetime:
        return self.first.shift(self.months).start

    def __str__(self) -> str:
        if self.kind == "month":
            return f"{self.year:04d}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.number}"
        return f"{self.year:04d}"


PERIOD_RE = re.compile(r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})|Q(?P<quarter>[1-4])))?$")


class BadPeriod(ValueError):
    """Not a period this export knows, or one that has not started (a 400 with the message)."""


def parse_period(text: str, now: dt.datetime | None = None) -> Period:
    match = PERIOD_RE.match(text or "")
    if not match or not 1900 <= int(match["year"]) <= 9999:
        raise BadPeriod(
            _("“%(period)s” is not a period: use a month (2026-11), a quarter (2026-Q4) or a year.")
            % {"period": text}
        )
    year = int(match["year"])
    if match["month"]:
        if not 1 <= int(match["month"]) <= 12:
            raise BadPeriod(_("There is no month %(month)s.") % {"month": match["month"]})
        period = Period("month", year, int(match["month"]))
    elif match["quarter"]:
        period = Period("quarter", year, int(match["quarter"]))
    else:
        period = Period("year", year)
    if period.start > (now or timezone.now()):
        raise BadPeriod(_("The period %(period)s has not started yet.") % {"period": period})
    return period


# --- the column dictionary ----------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    zh: str  # the Chinese header, fixed (part of the format, not of the UI language)
    en: str  # the English header, fixed
    type: str  # text | code | datetime | boolean | integer
    meaning: Any  # lazily translated
    allowed: str = ""  # codes, "|"-separated, for ``code`` columns
    source: str | None = None  # the values_list path, when it is a plain column


def _codes(choices) -> str:
    return "|".join(str(value) for value in choices.values)


COLUMNS: list[Column] = [
    Column("reference", "投诉编号", "Reference", "text",
           _("Redress's reference of the complaint."), source="reference"),
    Column("platform", "来源平台", "Platform", "text",
           _("The platform the complaint was transferred from; empty if not transferred."),
           source="external_platform"),
    Column("platform_reference", "平台工单号", "Platform reference", "text",
           _("The platform's own reference of the transferred complaint."),
           source="external_reference"),
    Column("received_at", "登记时间", "Received at", "datetime",
           _("When the complaint was received."), source="received_at"),
    Column("channel", "投诉渠道", "Channel", "code",
           _("How the complaint arrived."), _codes(Channel), source="channel"),
    Column("category_code", "类别代码", "Category code", "text",
           _("Code of the complaint's category; empty until classified."),
           source="category__code"),
    Column("category", "投诉类别", "Category", "text",
           _("The category's name, with its parent: “Parent / Category”.")),
    Column("priority", "紧急程度", "Priority", "code",
           _("Priority given at classification."), _codes(Priority), source="priority"),
    Column("department_code", "承办部门代码", "Department code", "text",
           _("Code of the department handling the complaint."), source="department__code"),
    Column("department", "承办部门", "Department", "text",
           _("Name of the department handling the complaint."), source="department__name"),
    Column("state", "办理状态", "State", "code",
           _("The complaint's state when the file was made."), _codes(State), source="state"),
    Column("accepted", "是否受理", "Accepted", "boolean",
           _("yes: accepted (classified); no: refused; empty: not decided yet.")),
    Column("accepted_at", "受理时间", "Accepted at", "datetime",
           _("When the complaint was accepted."), source="classified_at"),
    Column("reject_reason", "不予受理原因", "Refusal reason", "code",
           _("Why the complaint was refused; empty if it was not."), _codes(RejectReason),
           source="reject_reason"),
    Column("withdraw_reason", "终止原因", "Termination reason", "code",
           _("Why handling ended without a resolution; empty if it did not."),
           _codes(WithdrawReason), source="withdraw_reason"),
    Column("platform_due_at", "平台答复期限", "Platform's reply deadline", "datetime",
           _("The deadline the platform set for the answer; empty if not transferred."),
           source="external_due_at"),
    Column("resolution_due_at", "办结期限", "Resolution due", "datetime",
           _("The resolution deadline (never after the platform's)."),
           source="resolution_due_at"),
    Column("resolved_at", "办结时间", "Resolved at", "datetime",
           _("When the complainant was answered with the resolution (the latest one)."),
           source="resolved_at"),
    Column("on_time", "是否按期办结", "Resolved on time", "boolean",
           _("Resolved by the resolution deadline; empty if not resolved or without one.")),
    Column("answered_by_platform_deadline", "是否按平台期限答复",
           "Answered by the platform's deadline", "boolean",
           _("Transferred complaints: resolved by the platform's deadline; no once it passed "
             "unanswered; empty while it runs or if not transferred.")),
    Column("answer", "办理结果", "Answer", "text",
           _("The resolution summary given to the complainant."),
           source="resolution_summary"),
    Column("substantiated", "是否有理投诉", "Substantiated", "boolean",
           _("The finding at resolution; empty if none was made.")),
    Column("root_cause_code", "原因代码", "Root cause code", "text",
           _("Code of the coded root cause chosen at resolution."), source="cause__code"),
    Column("follow_up_outcome", "回访结果", "Follow-up outcome", "code",
           _("The latest follow-up's outcome."), _codes(FollowUpOutcome),
           source="follow_up_outcome"),
    Column("closed_at", "结案时间", "Closed at", "datetime",
           _("When the complaint was closed."), source="closed_at"),
    Column("repeat_of", "重复投诉原编号", "Repeat of", "text",
           _("Reference of the earlier complaint this one repeats."),
           source="repeat_of__reference"),
    Column("reopen_count", "重新办理次数", "Times reopened", "integer",
           _("How often a dissatisfied follow-up reopened it."), source="reopen_count"),
]  # fmt: skip
KEYS = [column.key for column in COLUMNS]

# Read besides the plain columns, to derive the others.
_EXTRA = ["category__name", "category__parent__name", "substantiated", "rejected_at"]
_FIELDS = list(dict.fromkeys([c.source for c in COLUMNS if c.source] + _EXTRA))


# --- rows ---------------------------------------------------------------------------------------


def period_complaints(user, scope: selectors.Scope, period: Period) -> QuerySet[Complaint]:
    """The complaints received in ``period`` within ``scope``, as ``user`` may see them, oldest
    first. Index: cmp_received_idx (received_at range), cmp_dept_state_recv_idx for a
    department."""
    return (
        selectors.complaints_for(scope, user)
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .order_by("received_at", "id")
    )


def after(complaints: QuerySet[Complaint], cursor: tuple[dt.datetime, int]) -> QuerySet:
    """Keyset continuation after (received_at, id), the order of ``period_complaints``."""
    received, pk = cursor
    return complaints.filter(Q(received_at__gt=received) | Q(received_at=received, id__gt=pk))


def rows(complaints: QuerySet[Complaint], now: dt.datetime | None = None) -> Iterator[dict]:
    """One dict per complaint, keyed like ``COLUMNS``, with Python values (aware datetimes,
    booleans, ints, str; None for empty). Also yields the keyset cursor under ``"_cursor"``."""
    now = now or timezone.now()
    for values in complaints.values_list("id", *_FIELDS).iterator(chunk_size=CHUNK):
        pk, c = values[0], dict(zip(_FIELDS, values[1:], strict=True))
        row = {column.key: c[column.source] for column in COLUMNS if column.source}
        category = c["category__name"] or ""
        if c["category__parent__name"]:
            category = f"{c['category__parent__name']} / {category}"
        row["category"] = category
        if c["classified_at"]:
            row["accepted"] = True
        elif c["rejected_at"]:
            row["accepted"] = False
        else:
            row["accepted"] = None
        row["on_time"] = (
            c["resolved_at"] <= c["resolution_due_at"]
            if c["resolved_at"] and c["resolution_due_at"]
            else None
        )
        row["answered_by_platform_deadline"] = answered_in_time(
            c["resolved_at"], c["external_due_at"], now
        )
        row["substantiated"] = c["substantiated"]
        row["_cursor"] = (c["received_at"], pk)
        yield row


def local(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(zone()) if moment else None


def file_value(column: Column, value: Any) -> Any:
    """A cell of the CSV (and of the XLSX, which writes datetimes as dates itself)."""
    if value is None or value == "":
        return ""
    if column.type == "datetime":
        return local(value).strftime("%Y-%m-%d %H:%M:%S")
    if column.type == "boolean":
        return "yes" if value else "no"
    return value


def json_value(column: Column, value: Any) -> Any:
    if value == "" and column.type != "text":
        return None
    if column.type == "datetime":
        return local(value).isoformat() if value else None
    return value


# --- the period's figures -----------------------------------------------------------------------


def summary(user, scope: selectors.Scope, period: Period) -> list[tuple[str, Any, Any]]:
    """The period's headline figures as (key, label, value), by the monthly report's
    definitions. A month is the monthly report itself (as issued at month end where it was);
    a quarter or a year is computed over the whole period by the same function, so its rates
    come from the period's counts, not from averaged monthly rates."""
    if period.kind == "month":
        report = selectors.monthly_report(user, scope, period.first)
        return [(row.key, row.label, row.value) for row in report.rows]
    bundle = figures.month_bundle(
        selectors.complaints_for(scope, user), period, actions_of=selectors.actions_of(scope)
    )
    return [
        (key, label, figures.value(bundle["figures"], key))
        for key, label, _kind in figures.HEADLINE
    ]


def dictionary_markdown() -> str:
    """The column dictionary as the Markdown table of the README (in English; a
    test holds the docs equal to it)."""
    lines = [
        "| key | 中文 | English | type | meaning | allowed values |",
        "|---|---|---|---|---|---|",
    ]
    for c in COLUMNS:
        allowed = ", ".join(f"`{code}`" for code in c.allowed.split("|")) if c.allowed else ""
        lines.append(f"| `{c.key}` | {c.zh} | {c.en} | {c.type} | {c.meaning} | {allowed} |")
    return "\n".join(lines)
