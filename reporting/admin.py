"""Read-only admin views of reporting's records: issued reports, the sealed audit records and
verification runs. Nobody adds, changes or deletes them here; the general manager and auditors
may look."""

from __future__ import annotations

from django.contrib import admin

from complaints import rules
from reporting.models import AuditRecord, ChainVerification, MonthlySnapshot, PeriodSnapshot


class ReadOnlyForReaders(admin.ModelAdmin):
    def _reader(self, request) -> bool:
        return rules.tier_of(request.user) in (rules.GM, rules.AUDITOR)

    def has_module_permission(self, request) -> bool:
        return self._reader(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._reader(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ReadOnlyForReaders):
    list_display = ["month", "scope", "department", "issued_at"]
    list_filter = ["month"]
    list_select_related = ["department"]


@admin.register(PeriodSnapshot)
class PeriodSnapshotAdmin(ReadOnlyForReaders):
    list_display = ["period", "scope", "department", "issued_at"]
    list_filter = ["period"]
    list_select_related = ["department"]


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyForReaders):
    list_display = ["history_date", "complaint", "seq", "model", "action", "user"]
    list_select_related = ["complaint", "user"]
    search_fields = ["=complaint__reference"]
    show_full_result_count = False  # no COUNT(*) over the whole audit table per page
    ordering = ["-history_date", "-id"]


@admin.register(ChainVerification)
class ChainVerificationAdmin(ReadOnlyForReaders):
    list_display = ["started_at", "finished_at", "records_checked", "broken_complaints"]
