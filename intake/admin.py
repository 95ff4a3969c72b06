"""Read-only admin pages for intake's records, scoped by the visibility function."""

from __future__ import annotations

from django.contrib import admin

from complaints import rules, selectors
from complaints.admin import InvisibleIsMissing
from intake.models import ImportedMessage, Open311Request


class ReadOnlyScopedAdmin(InvisibleIsMissing, admin.ModelAdmin):
    """Written only by intake itself; shown for complaints the user may see."""

    def get_queryset(self, request):
        visible = selectors.complaints_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(complaint__in=visible)

    # Every tier reads these (scoped below); the tier groups carry no intake permissions, so
    # the tier itself is the permission, as for the complaints they belong to.
    def has_view_permission(self, request, obj=None) -> bool:
        return rules.tier_of(request.user) is not None

    def has_module_permission(self, request) -> bool:
        return rules.tier_of(request.user) is not None

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
