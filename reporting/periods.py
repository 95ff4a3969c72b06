"""Quarters and years as report periods, and their figures summed from their months.

A period is a run of calendar months in the organisation's time zone: a quarter is three
(Q1 = January to March), a year twelve. Its bounds are its first month's start and its last
month's end, so it shares the month's rules (``reporting.months``): [first midnight, the next
period's first midnight) in ``TIME_ZONE``, whoever looks.

The period's figures are **the sum of its months' figures of record** (``combine``): counts are
added up; every rate is recomputed from the summed numerators and denominators (never an
average of monthly rates); the complaints still open at the end of the period are those open
at the end of its last month; remedies' amounts are added. Only the times to first response
and to resolution cannot be added up (a mean of means is wrong and medians do not combine): they
are computed over the whole period by the database (``reporting.sql.duration_stats``, the
monthly report's query over a wider window). So a finished quarter agrees with its three
issued months to the unit, and with the same definitions.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reporting import figures
from reporting.months import Month, months_between

QUARTER = "quarter"
YEAR = "year"


@dataclass(frozen=True, order=True)
class Period:
    """``Period(2026, 1)`` is 2026 Q1; ``Period(2026)`` (quarter 0) is the year 2026."""

    year: int
    quarter: int = 0

    def __post_init__(self) -> None:
        if not (0 <= self.quarter <= 4) or not (1900 <= self.year <= 9999):
            raise ValueError(f"not a period: {self.year} Q{self.quarter}")

    @property
    def kind(self) -> str:
        return QUARTER if self.quarter else YEAR

    @property
    def kind_name(self) -> str:
        """The URL name's stem: ``quarterly`` or ``annual``."""
        return "quarterly" if self.quarter else "annual"

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026-Q1`` or ``2026``; ValueError otherwise."""
        match = re.fullmatch(r"([0-9]{4})(?:-Q([1-4]))?", text)
        if not match:
            raise ValueError(f"not a period: {text!r}")
        return cls(int(match[1]), int(match[2] or 0))

    @classmethod
    def containing(cls, month: Month, kind: str) -> Period:
        if kind == YEAR:
            return cls(month.year)
        return cls(month.year, (month.month - 1) // 3 + 1)

    @property
    def first(self) -> Month:
        return Month(self.year, 1 if not self.quarter else 3 * self.quarter - 2)

    @property
    def last(self) -> Month:
        return Month(self.year, 12 if not self.quarter else 3 * self.quarter)

    @property
    def months(self) -> list[Month]:
        return months_between(self.first, self.last)

    @property
    def start(self) -> dt.datetime:
        return self.first.start

    @property
    def end(self) -> dt.datetime:
        return self.last.end

    @property
    def last_year(self) -> Period:
        return Period(self.year - 1, self.quarter)

    @property
    def previous(self) -> Period:
        if not self.quarter:
            return Period(self.year - 1)
        if self.quarter == 1:
            return Period(self.year - 1, 4)
        return Period(self.year, self.quarter - 1)

    @property
    def following(self) -> Period:
        if not self.quarter:
            return Period(self.year + 1)
        if self.quarter == 4:
            return Period(self.year + 1, 1)
        return Period(self.year, self.quarter + 1)

    def started(self, now: dt.datetime | None = None) -> list[Month]:
        """The period's months that have begun (all of them once it is finished)."""
        current = Month.of(now or timezone.now())
        return [m for m in self.months if m <= current]

    def is_finished(self, now: dt.datetime | None = None) -> bool:
        """A period is finished when its last month is."""
        return self.last.is_finished(now)

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return self.first <= Month.of(now or timezone.now())

    @property
    def key(self) -> str:
        return str(self)

    @property
    def label(self) -> str:
        if self.quarter:
            return str(_("Q%(quarter)s %(year)s") % {"quarter": self.quarter, "year": self.year})
        return str(self.year)

    def __str__(self) -> str:
        return f"{self.year:04d}-Q{self.quarter}" if self.quarter else f"{self.year:04d}"


# --- summing months -----------------------------------------------------------------------------


def _add_rate(a: dict[str, int] | None, b: dict[str, int] | None) -> dict[str, int]:
    a, b = a or {}, b or {}
    return {
        "num": int(a.get("num") or 0) + int(b.get("num") or 0),
        "den": int(a.get("den") or 0) + int(b.get("den") or 0),
    }


def _add_pairs(bundles: list[dict[str, Any]], kind: str) -> list[list[Any]]:
    totals: dict[Any, int] = {}
    for bundle in bundles:
        for key, n in bundle["breakdowns"][kind]:
            totals[key] = totals.get(key, 0) + n
    return [[key, n] for key, n in totals.items() if n]


def _add_league(bundles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows: dict[Any, dict[str, Any]] = {}
    for bundle in bundles:
        for row in bundle["league"]:
            total = rows.setdefault(
                row["department_id"],
                {
                    "department_id": row["department_id"],
                    "received": 0,
                    "repeats": 0,
                    "resolved": 0,
                    "on_time": {"num": 0, "den": 0},
                    "satisfaction": {"num": 0, "den": 0},
                },
            )
            for key in ("received", "repeats", "resolved"):
                total[key] += row[key]
            for key in ("on_time", "satisfaction"):
                total[key] = _add_rate(total[key], row[key])
    return sorted(rows.values(), key=lambda r: (-r["received"], r["department_id"] or 0))


# Figures that are a state at the end of the period rather than a count of events in it.
AT_END = {"open_at_month_end"}


def combine(
    period: Period, bundles: list[dict[str, Any]], durations: dict[str, Any]
) -> dict[str, Any]:
    """The period's bundle (the shape of ``figures.month_bundle``) from its months' bundles,
    oldest first, and the period's durations (``figures._durations`` keys).

    Counts add up; rates add their numerators and denominators; the state at the end is the
    last month's; times come from ``durations``. A period that has not begun has no months:
    every count is 0 and every rate empty.
    """
    summed: dict[str, Any] = {}
    for key, _label, kind in figures.HEADLINE:
        values = [b["figures"].get(key) for b in bundles]
        if kind == "rate":
            total: dict[str, int] = {"num": 0, "den": 0}
            for rate in values:
                total = _add_rate(total, rate)
            summed[key] = total
        elif kind == "money":
            amount = sum((Decimal(v or "0") for v in values), Decimal("0"))
            summed[key] = str(amount.quantize(Decimal("0.01"), ROUND_HALF_UP))
        elif kind == "hours":
            summed[key] = durations.get(key)
        elif key in AT_END:
            summed[key] = values[-1] if values else 0
        else:
            summed[key] = sum(int(v or 0) for v in values)
    return {
        "period": str(period),
        "months": [b["month"] for b in bundles],
        "figures": summed,
        "medians": all(b.get("medians") for b in bundles) if bundles else False,
        "breakdowns": {
            kind: _add_pairs(bundles, kind)
            for kind in ("category", "channel", "priority", "department")
        },
        "league": _add_league(bundles),
    }
