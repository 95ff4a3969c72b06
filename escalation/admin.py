"""Admin: policies and calendars are edited here (by the general manager's group); escalations,
pauses, extensions and notifications are records, read-only, never deleted."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import datebounds, selectors
from escalation.models import (
    CalendarDay,
    ClockPause,
    Escalation,
    ExtensionRequest,
    Notice,
    SlaPolicy,
    WorkCalendar,
)


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 1
    fields = ["day", "kind", "name", "source"]
    readonly_fields = ["source"]
    ordering = ["-day"]
    formfield_overrides = datebounds.admin_overrides()

    def get_queryset(self, request):
        # The inline shows this year's and later exceptions; older ones stay in the list view.
        from django.utils import timezone

        return super().get_queryset(request).filter(day__year__gte=timezone.localdate().year)


@admin.register(WorkCalendar)
class WorkCalendarAdmin(SimpleHistoryAdmin):
    list_display = ["name", "time_zone", "opens", "closes", "weekend", "is_default"]
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(SimpleHistoryAdmin):
    list_display = ["day", "kind", "name", "calendar", "source"]
    list_filter = ["calendar", "kind", "source"]
    date_hierarchy = "day"
    formfield_overrides = datebounds.admin_overrides()  # the years every date keeps to
    search_fields = ["name"]
    ordering = ["-day"]
    readonly_fields = ["source"]

    def save_model(self, request, obj, form, change) -> None:
        # A row staff touched is theirs: sync_holidays will not overwrite it.
        obj.source = CalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "active",
        "priority",
        "category",
        "department",
        "acceptance_amount",
        "acceptance_unit",
        "first_response_amount",
        "first_response_unit",
        "resolution_amount",
        "resolution_unit",
    ]
    list_filter = ["active", "priority", "department"]
    list_select_related = ["category", "category__parent", "department"]
    fieldsets = [
        (None, {"fields": ["name", "active", "notes"]}),
        (_("Applies to"), {"fields": ["priority", "category", "department", "calendar"]}),
        (
            _("Targets"),
            {
                "fields": [
                    ("acceptance_amount", "acceptance_unit"),
                    ("first_response_amount", "first_response_unit"),
                    ("resolution_amount", "resolution_unit"),
                    ("follow_up_amount", "follow_up_unit"),
                ]
            },
        ),
        (
            _("Time allowed per tier before escalation"),
            {
                "fields": [
                    ("frontline_budget_amount", "frontline_budget_unit"),
                    ("manager_budget_amount", "manager_budget_unit"),
                ]
            },
        ),
        (
            _("Extensions"),
            {"fields": ["max_extensions", ("extension_amount", "extension_unit")]},
        ),
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deactivate instead: history and reports refer to policies


class RecordAdmin(admin.ModelAdmin):
    """Audit records: readable by whoever may see the complaint, changed by nobody here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        visible = selectors.complaints_visible_to(request.user)
        return super().get_queryset(request).filter(complaint__in=visible)


@admin.register(Escalation)
class EscalationAdmin(RecordAdmin):
    list_display = ["complaint", "from_tier", "to_tier", "cause", "trigger", "by", "created_at"]
    list_filter = ["cause", "to_tier", "trigger"]
    list_select_related = ["complaint", "by"]
    show_full_result_count = False


@admin.register(ClockPause)
class ClockPauseAdmin(RecordAdmin):
    list_display = ["complaint", "reason_code", "status", "planned_until", "requested_by"]
    list_filter = ["status", "reason_code"]
    list_select_related = ["complaint", "requested_by"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(RecordAdmin):
    list_display = ["complaint", "status", "current_due_at", "proposed_due_at", "requested_by"]
    list_filter = ["status"]
    list_select_related = ["complaint", "requested_by"]


@admin.register(Notice)
class NoticeAdmin(RecordAdmin):
    list_display = ["key", "kind", "created_at", "sent_at", "attempts"]
    list_filter = ["kind"]
    readonly_fields = ["last_error"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
