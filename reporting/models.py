"""Reporting's own tables.

- ``MonthlySnapshot``: a month's report frozen as issued at month end, per scope.
- ``MonthGeneration`` and ``ReportCache``: computed report figures for finished months, valid
  while the month's generation is unchanged (a change to a past complaint bumps it).
- ``WorkingDay``: the working-day calendar flattened into cumulative working seconds, so
  "working hours between two instants" is two indexed look-ups in SQL.
- ``SealLayout``, ``AuditRecord`` and ``ChainVerification``: the tamper-evident hash chain over
  every history record of a complaint and its notes, communications and attachments, which is
  also the index the audit log reads.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Department


class MonthlySnapshot(models.Model):
    """A month's report as issued at month end; never updated afterwards.

    ``scope`` is ``org`` for the whole organisation or ``dept-<id>`` for one department. The
    page shows these figures by default and the difference from a live recomputation.
    """

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    scope = models.CharField(_("scope"), max_length=40)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    figures = models.JSONField(_("figures as issued"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("issued monthly report")
        verbose_name_plural = _("issued monthly reports")
        ordering = ["-month", "scope"]
        constraints = [
            # Issuing twice (a retried task, two workers) keeps the first issue.
            models.UniqueConstraint(fields=["month", "scope"], name="snapshot_month_scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope}"


class MonthGeneration(models.Model):
    """Bumped after commit whenever a complaint touching this (finished) month changes."""

    month = models.DateField(primary_key=True)
    generation = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.generation}"


class ReportCache(models.Model):
    """Computed figures, valid while ``token`` equals the generations they were computed at.

    A database table rather than Django's cache framework: every app process and worker sees
    the same entries with no extra service, and the invalidation is the generation bump.
    """

    key = models.CharField(max_length=200, primary_key=True)
    token = models.CharField(max_length=400)
    payload = models.JSONField()
    computed_at = models.DateTimeField(default=timezone.now)
    # Live (unfinished) months are kept for a short time only.
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key


class WorkingDay(models.Model):
    """One calendar date: whether it is worked and the working seconds before it.

    ``cumulative_seconds`` is the total working time of all earlier dates in the table, so the
    working time between two instants is W(b) - W(a) with
    W(t) = cumulative_seconds(date of t) + clamp(time of day - opens, 0, length).
    """

    day = models.DateField(primary_key=True)
    working = models.BooleanField()
    opens_second = models.PositiveIntegerField(default=0)
    length_seconds = models.PositiveIntegerField(default=0)
    cumulative_seconds = models.BigIntegerField()
    source = models.CharField(max_length=20)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day} {'working' if self.working else 'off'}"


class SealLayout(models.Model):
    """The list of columns a seal covers, so a later migration adding a column to a history
    table does not make every earlier record look tampered with."""

    model = models.CharField(max_length=30)
    fields = models.JSONField()
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.model} ({len(self.fields)} fields)"


class AuditRecord(models.Model):
    """One sealed history record, in its complaint's chain.

    ``seal = sha256(previous seal + content_hash)`` where ``content_hash`` is the SHA-256 of the
    history row's canonical JSON. Written in the transaction that writes the history row, under
    the complaint's row lock, so concurrent writers chain one after the other.

    The other columns copy what the audit log filters on (who, when, department, action, fields
    changed), so the log is one indexed table instead of a union of four history tables.
    """

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField()
    model = models.CharField(_("record"), max_length=20)
    history_id = models.BigIntegerField()
    object_id = models.BigIntegerField()
    history_date = models.DateTimeField(_("when"))
    history_type = models.CharField(max_length=1)
    # No database constraint: deleting a user must not be blocked or cascade into the audit.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    department_id = models.BigIntegerField(null=True)
    action = models.CharField(_("action"), max_length=40)
    reason = models.TextField(_("reason"), blank=True)
    # ",state,assignee," so a field filter is a LIKE on one column.
    changed_fields = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)
    layout = models.ForeignKey(SealLayout, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "seq"], name="audit_chain_seq_unique"),
            models.UniqueConstraint(fields=["model", "history_id"], name="audit_history_unique"),
        ]
        indexes = [
            # The audit log: ORDER BY history_date DESC, id DESC with a keyset cursor.
            models.Index(fields=["-history_date", "-id"], name="audit_date_idx"),
            # Filters of the audit log, each with the same ordering.
            models.Index(fields=["user", "-history_date"], name="audit_user_idx"),
            models.Index(fields=["department_id", "-history_date"], name="audit_dept_idx"),
            models.Index(fields=["action", "-history_date"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}#{self.seq} {self.model}:{self.history_id}"


class ChainVerification(models.Model):
    """The outcome of one full run of ``verify_audit_chain`` (the auditor page shows the last)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    complaints_checked = models.PositiveIntegerField(default=0)
    records_checked = models.PositiveBigIntegerField(default=0)
    broken_complaints = models.PositiveIntegerField(default=0)
    # The first broken link found: complaint reference, position and what is wrong.
    first_broken = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("audit chain verification")
        verbose_name_plural = _("audit chain verifications")

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.broken_complaints} broken)"

    @property
    def first_broken_message(self) -> str:
        from reporting.audit import PROBLEMS

        return str(PROBLEMS.get((self.first_broken or {}).get("problem"), ""))


class PeriodSnapshot(models.Model):
    """A quarter's or a year's report as issued once its last month was issued; never updated.

    ``period`` is ``2026-Q1`` or ``2026``; ``scope`` as in ``MonthlySnapshot``. Its counts are
    the sums of the issued months' counts (``reporting.periods.combine``), so the two agree.
    """

    period = models.CharField(_("period"), max_length=7)
    scope = models.CharField(_("scope"), max_length=40)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    figures = models.JSONField(_("figures as issued"))
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    class Meta:
        verbose_name = _("issued quarterly or annual report")
        verbose_name_plural = _("issued quarterly and annual reports")
        ordering = ["-period", "scope"]
        constraints = [
            # Issuing twice (a retried task, two workers) keeps the first issue; the unique
            # index also serves the report's look-up by (period, scope).
            models.UniqueConstraint(
                fields=["period", "scope"], name="period_snapshot_period_scope_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.scope}"
