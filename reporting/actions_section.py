"""The corrective actions of a report's period (issue #16: "the quarterly report shows it").

Read through the improvement app's selector ``actions_in_period`` (which applies its visibility
rule, ``actions_visible_to``), narrowed to the report's scope: a department's report shows the
department's actions, a personal summary the actions the reader owns. When the improvement app
is not installed the reports have no such section.

The result is plain data (it enters the rendered page's cache digest and the API).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

# The verified actions listed by name; the counts cover all of them.
LISTED = 50


def _window(field: str, start, end) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def section(user, scope, start, end) -> dict[str, Any] | None:
    """Actions opened, completed and verified in [start, end), and the verified ones listed
    with links. Two queries: one COUNT with FILTERs, one page of the verified actions."""
    if not apps.is_installed("improvement"):
        return None
    from improvement.selectors import actions_in_period

    qs = actions_in_period(user, start, end)
    if scope.kind == "department":
        qs = qs.filter(department_id=scope.department_id)
    elif scope.kind == "personal":
        qs = qs.filter(owner_id=scope.user_id)
    counts = qs.order_by().aggregate(
        opened=Count("pk", filter=_window("opened_at", start, end)),
        completed=Count("pk", filter=_window("completed_at", start, end)),
        verified=Count("pk", filter=_window("verified_at", start, end)),
    )
    verified = [
        {
            "id": row["pk"],
            "title": row["title"],
            "url": reverse("improvement:action_detail", args=[row["pk"]]),
            "cause": row["cause__name"] or "",
            "department": row["department__name"] or "",
            "verified_at": timezone.localtime(row["verified_at"]).strftime("%Y-%m-%d %H:%M"),
            "complaints": row["n"],
        }
        for row in qs.filter(_window("verified_at", start, end))
        .order_by("verified_at", "pk")
        .values("pk", "title", "cause__name", "department__name", "verified_at")
        .annotate(n=Count("complaints", distinct=True))[:LISTED]
    ]
    return {
        "key": "corrective_actions",
        "template": "reporting/_actions_section.html",
        "opened": counts["opened"],
        "completed": counts["completed"],
        "verified": counts["verified"],
        "verified_actions": verified,
        "more": max(counts["verified"] - len(verified), 0),
        "list_url": reverse("improvement:action_list"),
        "rows": [
            [_("Corrective actions")],
            [_("Opened in the period"), counts["opened"]],
            [_("Completed in the period"), counts["completed"]],
            [_("Verified in the period"), counts["verified"]],
            *([a["title"], a["verified_at"], a["cause"], a["department"]] for a in verified),
        ],
    }
