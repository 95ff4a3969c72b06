"""axe-core in a Playwright page, from the copy bundled in the ``axe-playwright-python`` wheel.

The script is read from the installed package, never fetched: the test machine (and CI) has no
CDN. It is injected with ``page.evaluate``, which runs through the DevTools protocol and so is
not subject to the page's Content-Security-Policy; an injected ``<script>`` tag would be refused
by our CSP and show up as a console error the walk would then blame on the page.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

BLOCKING_IMPACTS = ("critical", "serious")

# WCAG 2.1 A/AA plus axe's best practices: the rules a screen-reader or keyboard user would feel.
RUN_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
}


@cache
def axe_source() -> str:
    return resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")


def violations_by_impact(page) -> dict[str, list[dict]]:
    """Run axe on the page as it is now; ``{"serious": [violation, ...], ...}``.

    Each violation keeps axe's ``id``, ``help`` and ``helpUrl`` and, for each offending node, its
    CSS ``target`` and axe's ``failureSummary`` (enough to find the element without a browser).
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    results = page.evaluate("options => axe.run(document, options)", RUN_OPTIONS)
    found: dict[str, list[dict]] = {}
    for violation in results["violations"]:
        found.setdefault(violation["impact"] or "unknown", []).append(
            {
                "id": violation["id"],
                "help": violation["help"],
                "helpUrl": violation["helpUrl"],
                "nodes": [
                    {"target": node["target"], "summary": node.get("failureSummary", "")}
                    for node in violation["nodes"]
                ],
            }
        )
    return found


def blocking(found: dict[str, list[dict]]) -> list[dict]:
    """The violations a page must not have: impact serious or critical."""
    return [violation for impact in BLOCKING_IMPACTS for violation in found.get(impact, [])]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        more = len(violation["nodes"]) - 5
        first = " ".join(violation["nodes"][0]["summary"].split())[:240]
        lines.append(
            f"{violation['id']} ({violation['help']}): {targets}"
            + (f" and {more} more" if more > 0 else "")
            + (f" [first: {first}]" if first else "")
        )
    return "; ".join(lines)
