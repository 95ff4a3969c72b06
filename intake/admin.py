"""Read-only admin pages for intake's records, scoped by the visibility function."""

from __future__ import annotations

from django.contrib import admin

from complaints import rules
from complaints.admin import ReadOnlyScopedAdmin
from intake.models import ImportedMessage, Open311Request


@admin.register(ImportedMessage)
class ImportedMessageAdmin(ReadOnlyScopedAdmin):
    list_display = ["message_id", "outcome", "complaint", "sender", "imported_at"]
    list_filter = ["outcome"]
    list_select_related = ["complaint"]
    search_fields = ["message_id", "sender", "complaint__reference"]

    def get_queryset(self, request):
        # Refused messages belong to no complaint: only those who see everything see them.
        if rules.tier_of(request.user) in (rules.GM, rules.AUDITOR):
            return admin.ModelAdmin.get_queryset(self, request)
        return super().get_queryset(request)


@admin.register(Open311Request)
class Open311RequestAdmin(ReadOnlyScopedAdmin):
    list_display = ["complaint", "service_code", "address_string", "created_at"]
    list_select_related = ["complaint"]
    search_fields = ["complaint__reference", "address_string"]
