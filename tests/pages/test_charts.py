"""The report's charts: legends that say what the title says, value axes from 0."""

import re

import pytest
from django.utils import translation

from reporting.charts import breakdown_chart, trend_chart


def texts(svg: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]+)</text>", svg)


def value_axis(svg: str) -> list[str]:
    """The tick labels of the value (y) axis."""
    axis = svg.split('class="axis y')[1].split('class="axis x')[0]
    return re.findall(r"<text[^>]*>([^<]+)</text>", axis)


TREND = [{"month": f"2026-{m:02d}", "received": 50 + m, "resolved": 48 + m} for m in range(1, 13)]


@pytest.mark.parametrize(
    ("language", "title", "legend"),
    [
        ("en", "Complaints received and resolved", ("Received", "Resolved")),
        ("zh-hans", "受理与办结", ("受理", "办结")),
    ],
)
def test_the_trend_legend_uses_the_titles_words(language, title, legend):
    with translation.override(language):
        svg = trend_chart(TREND)
    labels = texts(svg)
    assert any(title in label for label in labels)
    assert all(name in labels for name in legend)
    assert "已登记" not in labels and "已处理" not in labels  # state names, not the title's


def test_the_trend_axis_starts_at_zero_even_when_every_month_is_busy():
    ticks = value_axis(trend_chart(TREND))
    assert ticks[0] == "0"
    assert all("." not in tick for tick in ticks)  # whole complaints only


def test_an_empty_year_still_draws_whole_numbers_from_zero():
    empty = [{"month": "2026-01", "received": 0, "resolved": 0}]
    ticks = value_axis(trend_chart(empty))
    assert ticks == ["0", "1"]


def test_breakdown_bars_are_named_by_the_months_the_table_shows():
    rows = [{"name": f"Category {n}", "value": 40 + n, "previous": 30 + n} for n in range(12)]
    with translation.override("en"):
        svg = breakdown_chart("By category", rows, month="2026-03", previous="2026-02")
    labels = texts(svg)
    assert "2026-03" in labels and "2026-02" in labels
    assert "By category (largest 10)" in labels  # the title says two rows were left out
    assert "Category 11" not in labels
    numbers = [label for label in labels if label.isdigit()]
    assert numbers[0] == "0"  # bars measured from zero
