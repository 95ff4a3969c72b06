"""What is in the database, counted the way an auditor would check "nothing lost, nothing
doubled": used in-process by the multi-process test and through ``actors census`` by tests
whose database the test process is not connected to."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count

from complaints.models import Complaint, IdempotencyKey, ReferenceSequence

ACTIONS = ("register", "classify", "assign", "escalate")


def history_counts(action: str) -> dict[str, int]:
    """reference → number of history rows of ``action`` (complaints with none are absent)."""
    rows = (
        Complaint.history.filter(history_transition=action)
        .values("reference")
        .annotate(n=Count("history_id"))
    )
    return {row["reference"]: row["n"] for row in rows}


def census() -> dict[str, Any]:
    from escalation.models import Escalation

    complaints = list(
        Complaint.objects.order_by("reference").values(
            "reference", "state", "tier", "version", "assignee__username", "escalation_count"
        )
    )
    escalations = Counter(
        Escalation.objects.values_list("complaint__reference", flat=True).order_by()
    )
    sequence = {row.year: row.last for row in ReferenceSequence.objects.all()}
    return {
        "complaints": {c["reference"]: c for c in complaints},
        "history": {action: history_counts(action) for action in ACTIONS},
        "escalation_records": dict(escalations),
        "sequence": {str(year): last for year, last in sequence.items()},
        "idempotency_keys": IdempotencyKey.objects.count(),
        "tasks": tasks(),
    }


def tasks() -> dict[str, dict[str, int]]:
    """django-q2's finished tasks: func → {"ok": n, "failed": n}."""
    from django_q.models import Task

    summary: dict[str, dict[str, int]] = {}
    for row in Task.objects.values("func", "success").annotate(n=Count("id")).order_by():
        entry = summary.setdefault(row["func"], {"ok": 0, "failed": 0})
        entry["ok" if row["success"] else "failed"] += row["n"]
    return summary


def numbers_of(references) -> list[int]:
    """C-2026-000123 → 123, sorted."""
    return sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
