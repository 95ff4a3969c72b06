"""What registration needs besides the complaint: the reference counter and the idempotency
keys of retried submissions (``complaints.services.registration``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from complaints.models.complaint import Complaint


class ReferenceSequence(models.Model):
    """One counter per year behind ``C-2026-000123``.

    Registration increments it with one upsert, whose row lock it holds until it commits, so
    concurrent intakes serialise on the counter only, never on the complaints table, and no two
    complaints get the same number.
    """

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class IdempotencyKey(models.Model):
    """A retried submission (same ``Idempotency-Key`` header, a double-clicked form) returns the
    complaint the first attempt created instead of registering a second one.

    The unique constraint, not a read-then-write check, is what makes two simultaneous retries
    create one complaint: the loser's INSERT fails and it reads the winner's row.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
