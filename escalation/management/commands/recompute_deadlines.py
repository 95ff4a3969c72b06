"""``.venv/bin/python manage.py recompute_deadlines``: recompute every open complaint's
deadlines under the current policies and calendars, through the audited path a policy edit in
the admin takes (``escalation.services.recompute_open_deadlines``: one history row, by the
system, on each complaint whose dates moved).

Run it once after an upgrade whose data migrations changed policies in bulk (they write with
``.update()``, which recomputes nothing): e.g. 0004, the government office's handling time limit
counted from acceptance. Idempotent: a second run finds nothing to move and writes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from escalation import services


class Command(BaseCommand):
    help = (
        "Recompute the open complaints' deadlines under the current policies and calendars "
        "(with history), e.g. after an upgrade that changed policies."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reason",
            default="",
            help="Recorded on each complaint's history row (default: after an upgrade).",
        )

    def handle(self, *args, reason: str = "", **options) -> None:
        count = services.recompute_open_deadlines(
            by=None,
            action="policy_changed",
            reason=reason or _("Policies changed by an upgrade: deadlines recomputed"),
        )
        self.stdout.write(f"{count} open complaint(s) had their deadlines recomputed.")
