"""Server-side SVG charts (pygal): readable without JavaScript, printable, CJK-capable.

pygal embeds a <style> element; the page adds the request's CSP nonce to it (``with_nonce``),
because the site's Content-Security-Policy allows no inline styles otherwise. Its JavaScript
tooltips are switched off (``js=[]``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import pygal
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from pygal.style import Style

from reporting.models import ReportCache

# Fonts that have Chinese glyphs first; Debian's fonts-wqy-microhei provides the first.
FONTS = (
    '"WenQuanYi Micro Hei","Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei",'
    '"PingFang SC",sans-serif'
)

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#212529",
    foreground_strong="#212529",
    foreground_subtle="#6c757d",
    font_family=FONTS,
    label_font_family=FONTS,
    major_label_font_family=FONTS,
    value_font_family=FONTS,
    value_label_font_family=FONTS,
    title_font_family=FONTS,
    legend_font_family=FONTS,
    tooltip_font_family=FONTS,
    colors=("#0d6efd", "#adb5bd", "#198754", "#dc3545", "#fd7e14", "#6f42c1"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=11,
)

COMMON = {
    "style": STYLE,
    "js": [],
    "disable_xml_declaration": True,
    "explicit_size": False,
    "width": 720,
    "height": 320,
    "legend_at_bottom": True,
    "legend_at_bottom_columns": 3,
    "print_values": False,
    "margin": 16,
    "truncate_label": 18,
    "truncate_legend": 24,
}

_STYLE_ATTRIBUTE = re.compile(r'\s*style="[^"]*"')
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)


def _render(chart) -> str:
    svg = chart.render(is_unicode=True)
    # pygal writes its tooltip configuration as an inline <script> and one inline style
    # attribute (an invisible tooltip); the CSP would block both and the charts need neither.
    return _STYLE_ATTRIBUTE.sub("", _SCRIPT.sub("", svg))


def count_axis(values) -> dict[str, Any]:
    """A value axis for counts: from 0 (pygal otherwise starts at the smallest value, which
    makes 50 → 60 look like a tenfold rise) to a round number above the largest, whole
    numbers only (no "0.1 complaints" ticks when a month is empty)."""
    top = max([v for v in values if v is not None] or [0])
    step = max(1, math.ceil(top / 8))
    ticks = list(range(0, step * max(1, math.ceil(top / step)) + 1, step))
    return {"range": (0, ticks[-1]), "y_labels": ticks}


def trend_chart(trend: list[dict[str, Any]]) -> str:
    received = [point["received"] for point in trend]
    resolved = [point["resolved"] for point in trend]
    chart = pygal.Line(
        title=_("Complaints received and resolved, last 12 months"),
        x_label_rotation=0,
        show_dots=True,
        dots_size=3,
        **count_axis(received + resolved),
        **COMMON,
    )
    chart.x_labels = [point["month"][2:] for point in trend]
    # The legend repeats the title's words (a "chart" context: not the state names
    # "Received"/"Resolved", which Chinese calls 已登记/已处理 rather than 受理/办结).
    chart.add(pgettext("chart", "Received"), received)
    chart.add(pgettext("chart", "Resolved"), resolved)
    return _render(chart)


def rates_chart(trend: list[dict[str, Any]]) -> str:
    from reporting.figures import percent

    def pct(rate):
        value = percent(rate)
        return None if value is None else float(value)

    chart = pygal.Line(
        title=_("On-time and satisfaction rates (%), last 12 months"),
        range=(0, 100),
        show_dots=True,
        dots_size=3,
        allow_interruptions=True,
        **COMMON,
    )
    chart.x_labels = [point["month"][2:] for point in trend]
    chart.add(_("On-time rate"), [pct(point["on_time_rate"]) for point in trend])
    chart.add(_("Satisfaction rate"), [pct(point["satisfaction_rate"]) for point in trend])
    return _render(chart)


def breakdown_chart(
    title: str, rows: list[dict[str, Any]], month: str = "", previous: str = "", limit: int = 10
) -> str:
    """Bars of this month and the previous one, named by the months as the table beside it
    names its columns; the title says when only the largest ``limit`` rows are drawn."""
    if len(rows) > limit:
        title = _("%(title)s (largest %(limit)s)") % {"title": title, "limit": limit}
    rows = rows[:limit]
    values = [row["value"] for row in rows]
    earlier = [row["previous"] for row in rows]
    chart = pygal.HorizontalBar(title=title, **count_axis(values + earlier), **COMMON)
    chart.x_labels = [str(row["name"]) for row in rows]
    chart.add(month or _("This month"), values)
    chart.add(previous or _("Previous month"), earlier)
    return _render(chart)


def report_charts(report) -> dict[str, str]:
    """The page's charts by name, rendered in the active language.

    Rendering takes pygal tens of milliseconds per chart, so the SVG is kept in the report
    cache under a digest of what it shows (figures, labels, language): a cached report page
    does not draw its charts again.
    """
    from reporting import services

    inputs = {
        "drawing": DRAWING,
        "month": str(report.month),
        "language": get_language(),
        "trend": report.trend,
        "scope": report.scope.kind,
        "breakdowns": [
            [b.key, str(b.title), [[str(r["name"]), r["value"], r["previous"]] for r in b.rows]]
            for b in report.breakdowns
        ],
    }
    key = (
        "charts:"
        + hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    )
    cached = ReportCache.objects.filter(key=key).values_list("payload", flat=True).first()
    if cached is not None:
        return cached
    charts = _draw(report)
    services.store_cached(key, CONTENT_ADDRESSED, charts, ttl_seconds=CHART_DAYS * 86400)
    return charts


# Chart entries are addressed by their content, so they never go stale; they expire so that
# charts nobody looks at any more are removed (services.drop_expired_cache).
CONTENT_ADDRESSED = "content"
# Part of the cache key: raised whenever the drawing changes, so no chart drawn the old way is
# served again (2: axes from 0, legends that match the titles).
DRAWING = 2
CHART_DAYS = 45


def _draw(report) -> dict[str, str]:
    charts = {
        "trend": trend_chart(report.trend),
        "rates": rates_chart(report.trend),
    }
    for breakdown in report.breakdowns:
        wanted = breakdown.key in ("top_category", "channel") or (
            breakdown.key == "department" and report.scope.kind == "org"
        )
        if wanted and breakdown.rows:
            charts[breakdown.key] = breakdown_chart(
                str(breakdown.title),
                breakdown.rows,
                month=str(report.month),
                previous=str(report.month.previous),
            )
    return charts


def with_nonce(svg: str, nonce: str) -> str:
    return svg.replace("<style", f'<style nonce="{nonce}"', 1)
