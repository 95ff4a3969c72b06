"""CSV and XLSX rows of the quarterly and annual reports' figures: the same values as the page
(``figures.value``, rounded half up), every cell through ``safe_cell`` in the writers."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from reporting.exports import league_rows


def _cell(value: Any) -> Any:
    return "" if value is None else value


def figure_rows(report) -> list[list[Any]]:
    this, before = report.period.label, report.period.last_year.label
    header = [_("Figure"), this, before, _("Change"), _("Target")]
    if report.differences:
        header.append(_("Issued"))
    rows = [header]
    for row in report.rows:
        target = ""
        if row.target:
            goal, direction = row.target
            target = f"≥ {goal}" if direction == "min" else f"≤ {goal}"
        line = [str(row.label), _cell(row.value), _cell(row.last_year), _cell(row.change), target]
        if report.differences:
            line.append(_cell(row.other) if row.changed else "")
        rows.append(line)
    rows.append([])
    rows.append([_("Month"), _("Received"), _("Resolved")])
    rows.extend([p["month"], p["received"], p["resolved"]] for p in report.trend)
    for breakdown in report.breakdowns:
        rows.append([])
        rows.append([str(breakdown.title), this, before, _("Change")])
        rows.extend(
            [str(r["name"]), r["value"], r["previous"], r["change"]] for r in breakdown.rows
        )
    rows.extend(league_rows(report.league))
    for section in report.extra_sections:
        rows.append([])
        rows.extend(section.get("rows", []))
    return rows
