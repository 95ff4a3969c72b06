"""Calendar months in the organisation's time zone (settings.TIME_ZONE).

A report month is the half-open interval [first midnight, next month's first midnight) in local
time, whatever time zone the viewer has activated: the figures must not depend on who looks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1900 <= self.year <= 9999):
            raise ValueError(f"not a month: {self.year}-{self.month}")

    @classmethod
    def of(cls, moment: dt.datetime | dt.date) -> Month:
        if isinstance(moment, dt.datetime):
            moment = moment.astimezone(zone()).date()
        return cls(moment.year, moment.month)

    @classmethod
    def current(cls) -> Month:
        return cls.of(timezone.now())

    @classmethod
    def parse(cls, text: str) -> Month:
        """``2026-11`` → Month(2026, 11); ValueError otherwise."""
        year, _, month = text.partition("-")
        if len(year) != 4 or len(month) != 2 or not (year.isdigit() and month.isdigit()):
            raise ValueError(f"not a month: {text!r}")
        return cls(int(year), int(month))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=zone())

    @property
    def end(self) -> dt.datetime:
        return self.shift(1).start

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.month - 1) + months
        return Month(index // 12, index % 12 + 1)

    @property
    def previous(self) -> Month:
        return self.shift(-1)

    @property
    def last_year(self) -> Month:
        return self.shift(-12)

    def is_finished(self, now: dt.datetime | None = None) -> bool:
        return self.end <= (now or timezone.now())

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: Month, last: Month) -> list[Month]:
    """Every month from ``first`` to ``last`` inclusive (empty if ``first`` is later)."""
    count = (last.year * 12 + last.month) - (first.year * 12 + first.month) + 1
    return [first.shift(i) for i in range(max(count, 0))]
