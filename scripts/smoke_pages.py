"""Open the main pages as each demo user and fail on any server error.

CI runs the suite on PostgreSQL, but a newcomer's `make run` runs on SQLite, where some queries
behave differently (a UNION with ORDER BY once answered 500 on the approvals queue, on SQLite
only). Run against a database filled by `manage.py seed_demo`:

    DATABASE_URL=sqlite:////tmp/demo/db.sqlite3 .venv/bin/python scripts/smoke_pages.py

It prints one line per page (status, user, address) and exits 1 if any page answered 5xx or
raised. Streamed responses (the exports) are read to the end, since their rows are only queried
then. Only "no 5xx" is checked: seed_demo's data is relative to the real clock, so what a page
shows differs from day to day.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402 - after the path and settings module are set

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from complaints import queues, selectors  # noqa: E402

DEMO_USERS = ("frontline", "manager", "gm", "auditor")


def pages_for(user) -> list[str]:
    today = timezone.localdate()
    pages = [
        "/",
        "/complaints/",
        *(f"/complaints/?queue={key}" for key in queues.QUEUES),
        "/escalation/due-soon/",
        "/escalation/requests/",
        f"/reports/monthly/{today:%Y}/{today:%m}/",
        f"/reports/quarterly/{today:%Y}/Q{(today.month - 1) // 3 + 1}/",
        f"/reports/annual/{today:%Y}/",
        "/reports/recurring-causes/?days=365",
        "/audit/",
        "/complaints/export/csv/",
        "/complaints/export/xlsx/",
        # Accountability (#16): findings about me, contests to decide, the table and its export.
        "/accountability/mine/",
        "/accountability/contests/",
        f"/reports/accountability/?period={today:%Y}",
        f"/reports/accountability/export.xlsx?period={today:%Y}-{today:%m}",
    ]
    # One complaint this user can see: the newest, and one being handled (it has clocks).
    visible = selectors.complaints_visible_to(user)
    picked = {c.reference for c in visible.order_by("-received_at")[:1]}
    picked |= {c.reference for c in visible.filter(assignee__isnull=False).order_by("pk")[:1]}
    # Corrective actions (improvement): the list, the create page, the first action visible.
    from improvement.selectors import actions_visible_to

    pages += [
        "/improvement/actions/",
        "/improvement/actions/new/",
        "/improvement/actions/?overdue=true",
    ]
    pages += [
        f"/improvement/actions/{pk}/"
        for pk in actions_visible_to(user).values_list("pk", flat=True)[:1]
    ]
    picked |= set(
        visible.filter(action_links__isnull=False).values_list("reference", flat=True)[:1]
    )
    for reference in sorted(picked):
        pages += [
            f"/complaints/{reference}/",
            f"/complaints/{reference}/history/",
            f"/escalation/complaints/{reference}/",
        ]
    return pages


def visit(client: Client, url: str) -> tuple[int | None, str]:
    try:
        response = client.get(url)
        if getattr(response, "streaming", False):
            b"".join(response.streaming_content)
        return response.status_code, ""
    except Exception:  # noqa: BLE001 - any error is the finding this script reports
        return None, traceback.format_exc()


def main() -> int:
    # Lets the test client's "testserver" host in and keeps mail in memory.
    setup_test_environment()
    # A refusal (403 for an auditor's write page, 404) is logged as a warning: only errors here.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    users = get_user_model().objects.in_bulk(DEMO_USERS, field_name="username")
    missing = [name for name in DEMO_USERS if name not in users]
    if missing:
        print(f"demo users missing (run manage.py seed_demo first): {', '.join(missing)}")
        return 1
    failures = 0
    for name in DEMO_USERS:
        client = Client()
        client.force_login(users[name])
        for url in pages_for(users[name]):
            status, error = visit(client, url)
            broken = status is None or status >= 500
            failures += broken
            print(f"{'FAIL' if broken else 'ok  '} {status or 'raised'} {name:<9} {url}")
            if error:
                print(error)
    print(f"{failures} page(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
