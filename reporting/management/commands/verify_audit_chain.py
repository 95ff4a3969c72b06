"""Verify the tamper-evident hash chains of the audit history and report the first broken link.

    python manage.py verify_audit_chain                  # every complaint (recorded for auditors)
    python manage.py verify_audit_chain --complaint C-2026-000123

Exit status 1 when a chain is broken, so monitoring can alert on it.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from complaints.models import Complaint
from reporting import audit, services


class Command(BaseCommand):
    help = "Verify the audit hash chains and report the first broken link."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--complaint", help="Reference of one complaint to verify.")

    def handle(self, *args, complaint=None, **options) -> None:
        if complaint:
            try:
                pk = Complaint.objects.values_list("pk", flat=True).get(reference=complaint)
            except Complaint.DoesNotExist as exc:
                raise CommandError(f"No complaint {complaint}.") from exc
            outcome = audit.verify([pk])
            checked = f"{outcome.records} sealed records of {complaint}"
            first = outcome.first
        else:

            def progress(total) -> None:
                if options["verbosity"] > 1:
                    self.stderr.write(f"… {total.complaints} complaints, {total.records} records")

            run = services.run_chain_verification(progress=progress)
            checked = f"{run.records_checked} sealed records of {run.complaints_checked} complaints"
            first = run.first_broken
            broken = run.broken_complaints
        if not first:
            self.stdout.write(self.style.SUCCESS(f"OK: {checked}, every chain intact."))
            return
        if isinstance(first, audit.Break):
            first = first.as_dict()
            broken = 1
        where = f"record {first['seq']}" if first["seq"] else "a record"
        self.stdout.write(
            f"BROKEN: {broken} chain(s) of {checked}. First broken link: "
            f"{first['reference']} {where} ({first['model']} history #{first['history_id']}): "
            f"{first['message']}."
        )
        raise CommandError("audit chain broken", returncode=1)
