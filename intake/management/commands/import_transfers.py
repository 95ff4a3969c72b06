"""Import complaints transferred from a regulator or hotline platform, from a JSON or CSV file.

JSON: one object or a list of objects; CSV (UTF-8, a BOM allowed): a header row of the same
keys. The keys are ``intake.transfers.TransferSerializer``'s (platform, platform_reference,
received_at, platform_due_at, complainant_name, complainant_phone, complainant_email,
description, request, category, department, priority). Each record is imported on its own, in
its own transaction, through ``import_transfer``: a refused record is reported with its field
messages and saves nothing; one already imported is reported, not imported again.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from complaints import selectors
from intake.transfers import import_transfer


def read_records(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        data = json.loads(text)
        return data if isinstance(data, list) else [data]
    if path.suffix.lower() == ".csv":
        # Empty cells are fields left out, as in JSON.
        return [
            {key: value for key, value in row.items() if key and value not in (None, "")}
            for row in csv.DictReader(text.splitlines())
        ]
    raise CommandError(f"{path}: use a .json or a .csv file.")


class Command(BaseCommand):
    help = (
        "Import complaints transferred from a regulator or hotline platform (JSON or CSV). A "
        "transfer already imported (same platform and reference) is not imported again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--by", required=True, help="Username of the staff member the imports are made by."
        )

    def handle(self, *args, file: Path, by: str, **options) -> None:
        user = get_user_model().objects.filter(username=by, is_active=True).first()
        if user is None or not selectors.may_write(user):
            raise CommandError(f"{by}: no active staff member who may register complaints.")
        try:
            records = read_records(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        counts = {"new": 0, "existing": 0, "refused": 0}
        for number, record in enumerate(records, start=1):
            if not isinstance(record, dict):
                counts["refused"] += 1
                self.stderr.write(f"refused  record {number}: not an object")
                continue
            try:
                complaint, created = import_transfer(record, by=user)
            except ValidationError as exc:
                counts["refused"] += 1
                self.stderr.write(
                    f"refused  record {number}: {json.dumps(exc.detail, ensure_ascii=False)}"
                )
                continue
            outcome = "new" if created else "existing"
            counts[outcome] += 1
            self.stdout.write(
                f"{outcome:8} {complaint.reference:14} "
                f"{complaint.external_platform}/{complaint.external_reference}"
            )
        self.stdout.write(
            "{new} new, {existing} already imported, {refused} refused.".format(**counts)
        )
        if counts["refused"]:
            raise CommandError(f"{counts['refused']} record(s) refused.")
