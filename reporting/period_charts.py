"""Charts of the quarterly and annual reports (pygal, drawn on the server like the monthly
report's, ``reporting.charts``): the months of the period beside the same months a year earlier,
their on-time and satisfaction rates, and the breakdowns against the same period last year."""

from __future__ import annotations

from typing import Any

import pygal
from django.utils.translation import gettext as _

from reporting.charts import COMMON, _render, breakdown_chart, count_axis
from reporting.figures import percent


def _pct(rate) -> float | None:
    value = percent(rate)
    return None if value is None else float(value)


def _aligned(report) -> tuple[list[str], list[dict], list[dict | None]]:
    """The period's month labels, its points and last year's points for the same months."""
    labels = [f"{m.month:02d}" for m in report.period.months]
    mine = {p["month"][5:]: p for p in report.trend}
    before = {p["month"][5:]: p for p in report.last_year_trend}
    return labels, [mine.get(label) for label in labels], [before.get(label) for label in labels]


def volume_chart(report) -> str:
    labels, mine, before = _aligned(report)

    def series(points: list[dict | None], key: str) -> list[Any]:
        return [None if p is None else p[key] for p in points]

    received, resolved = series(mine, "received"), series(mine, "resolved")
    earlier = series(before, "received")
    chart = pygal.Bar(
        title=_("Complaints by month: %(period)s and a year earlier")
        % {"period": report.period.label},
        **count_axis([v for v in received + resolved + earlier if v is not None]),
        **COMMON,
    )
    chart.x_labels = labels
    chart.add(_("Received, %(period)s") % {"period": report.period.label}, received)
    chart.add(_("Resolved, %(period)s") % {"period": report.period.label}, resolved)
    chart.add(_("Received, %(period)s") % {"period": report.period.last_year.label}, earlier)
    return _render(chart)


def rates_chart(report) -> str:
    labels, mine, before = _aligned(report)

    def series(points: list[dict | None], key: str) -> list[float | None]:
        return [None if p is None else _pct(p[key]) for p in points]

    chart = pygal.Line(
        title=_("On-time and satisfaction rates (%%) by month, %(period)s")
        % {"period": report.period.label},
        range=(0, 100),
        show_dots=True,
        dots_size=3,
        allow_interruptions=True,
        **COMMON,
    )
    chart.x_labels = labels
    chart.add(_("On-time rate"), series(mine, "on_time_rate"))
    chart.add(_("Satisfaction rate"), series(mine, "satisfaction_rate"))
    chart.add(
        _("Satisfaction rate, %(period)s") % {"period": report.period.last_year.label},
        series(before, "satisfaction_rate"),
    )
    return _render(chart)


def period_charts(report) -> dict[str, str]:
    charts = {"volume": volume_chart(report), "rates": rates_chart(report)}
    for breakdown in report.breakdowns:
        wanted = breakdown.key in ("top_category", "channel") or (
            breakdown.key == "department" and report.scope.kind == "org"
        )
        if wanted and breakdown.rows:
            charts[breakdown.key] = breakdown_chart(
                str(breakdown.title),
                breakdown.rows,
                month=report.period.label,
                previous=report.period.last_year.label,
            )
    return charts
