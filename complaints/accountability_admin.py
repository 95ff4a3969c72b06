"""The admin of responsibility contests: read only (contests are made and decided through
``complaints.accountability``, never edited here), never deleted, scoped like the pages."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from complaints import accountability, rules
from complaints.admin import InvisibleIsMissing
from complaints.models import ResponsibilityContest


@admin.register(ResponsibilityContest)
class ResponsibilityContestAdmin(InvisibleIsMissing, SimpleHistoryAdmin):
    list_display = ["complaint", "contested_by", "contested_at", "outcome", "decided_by"]
    list_filter = ["outcome"]
    list_select_related = ["complaint", "contested_by", "decided_by"]
    search_fields = ["complaint__reference"]
    readonly_fields = [
        "complaint",
        "contested_by",
        "contested_at",
        "reason",
        "outcome",
        "decided_by",
        "decided_at",
        "decision_note",
    ]

    def get_queryset(self, request):
        return accountability.contests_visible_to(request.user)

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
