"""Import complaints from the intake mailbox (IMAP or a local Maildir, per settings)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from intake import mail


class Command(BaseCommand):
    help = (
        "Read the intake mailbox: new messages become complaints on the email channel, replies "
        "naming a reference are threaded into that complaint. A message is imported once."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--maildir", default="", help="Read this Maildir instead of the configured source."
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="At most this many messages in this run."
        )

    def handle(self, *args, maildir: str = "", limit: int | None = None, **options) -> None:
        try:
            source = mail.open_source("maildir" if maildir else "", maildir)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        results = mail.fetch(source, limit=limit)
        counts = {"new": 0, "reply": 0, "duplicate": 0, "refused": 0}
        for result in results:
            counts[result.outcome] += 1
            reference = result.complaint.reference if result.complaint else ""
            line = f"{result.outcome:9} {reference:14} {result.message_id}"
            if result.outcome == "refused":
                self.stderr.write(f"{line}: {result.detail}")
            else:
                self.stdout.write(line)
        self.stdout.write(
            "{new} new complaint(s), {reply} repl(y/ies) threaded, {duplicate} already imported, "
            "{refused} refused.".format(**counts)
        )
