"""Panels other apps add to the complaint page, registered explicitly.

The core imports no other app. An app that has something to show beside a complaint (the
improvement app: the corrective actions addressing it) registers a panel function from its
``AppConfig.ready`` through ``register_detail_panel``, in the style of
``complaints.queues.register_approval_condition``. With nothing registered the page shows no
panel. A panel decides itself what the viewer may see (it receives the request) and should
cost at most one query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.safestring import SafeString

# panel(request, complaint) -> rendered HTML, or "" to show nothing.
_detail_panels: list[Callable[[Any, Any], str]] = []


def register_detail_panel(panel: Callable[[Any, Any], str]) -> None:
    """Show ``panel(request, complaint)`` (rendered HTML) in the complaint page's side column."""
    if panel not in _detail_panels:
        _detail_panels.append(panel)


def render_detail_panels(request, complaint) -> list[SafeString]:
    """Every registered panel's HTML for this complaint, leaving out the empty ones."""
    rendered = (panel(request, complaint) for panel in _detail_panels)
    return [SafeString(html) for html in rendered if html]


# link(user, tier) -> (key, url, label) to add under the user's name in the navigation, or None.
_nav_links: list[Callable[[Any, str], tuple[str, str, Any] | None]] = []


def register_nav_link(link: Callable[[Any, str], tuple[str, str, Any] | None]) -> None:
    """Add ``link(user, tier)``'s entry to the menu under the user's name (the bar itself stays
    one line wide: tests/e2e/test_header_fit.py). Costs no query: decide from the tier."""
    if link not in _nav_links:
        _nav_links.append(link)


def nav_links(user, tier: str) -> list[tuple[str, str, Any]]:
    return [entry for entry in (link(user, tier) for link in _nav_links) if entry]
