"""Admin: policies and calendars are edited here (by the general manager's group); escalations,
pauses, extensions, remedy approval requests and notifications are records, read-only, never
deleted."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from complaints import datebounds, selectors
from complaints.admin import InvisibleIsMissing
from escalation import services, years
from escalation.models import (
    CalendarDay,
    CalendarYear,
    ClockPause,
    Escalation,
    ExtensionRequest,
    Notice,
    RemedyApproval,
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


# The fields of a calendar that move the deadlines counted on it.
CALENDAR_TIME_FIELDS = ["time_zone", "opens", "closes", "weekend"]


@admin.register(WorkCalendar)
class WorkCalendarAdmin(SimpleHistoryAdmin):
    """A calendar and, inline, its days from this year on. Every save here goes through the
    same safeguards as Calendar days: an edited or added day is staff's (``sync_holidays``
    keeps it), and the open deadlines the change can move are recomputed with history."""

    list_display = ["__str__", "time_zone", "opens", "closes", "weekend", "is_default"]
    inlines = [CalendarDayInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        # Recomputed once the inline days are saved too (``save_related``), on the final days.
        request._calendar_hours_changed = change and any(
            name in form.changed_data for name in CALENDAR_TIME_FIELDS
        )

    def save_formset(self, request, form, formset, change) -> None:
        if formset.model is not CalendarDay:
            super().save_formset(request, form, formset, change)
            return
        # Every day the edit touches, before and after: a date moved to another year moves
        # deadlines in both.
        touched: set = set()
        for inline_form in formset.initial_forms:
            edited = inline_form in formset.deleted_forms or inline_form.has_changed()
            if edited and inline_form.initial.get("day"):
                touched.add(inline_form.initial["day"])
        rows = formset.save(commit=False)
        for row in formset.deleted_objects:
            row._history_user = request.user
            row.delete()
        for row in rows:
            row.source = CalendarDay.Source.MANUAL  # staff's now: sync_holidays keeps it
            row._history_user = request.user
            row.save()
            touched.add(row.day)
        formset.save_m2m()
        request._calendar_days_touched = touched | getattr(request, "_calendar_days_touched", set())

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        calendar = form.instance
        if getattr(request, "_calendar_hours_changed", False):
            count = services.recompute_open_deadlines(
                by=request.user,
                action="calendar_corrected",
                reason=gettext("Calendar “%(name)s” changed: deadlines recomputed")
                % {"name": calendar.display_name},
                calendar_id=calendar.pk,
            )
        elif days := getattr(request, "_calendar_days_touched", None):
            count = years.recompute_for_year(
                calendar.pk,
                min(day.year for day in days),
                by=request.user,
                action="calendar_corrected",
                reason=gettext("Calendar day %(day)s corrected: deadlines recomputed")
                % {"day": ", ".join(day.isoformat() for day in sorted(days))},
            )
        else:
            return
        if count:
            self.message_user(
                request,
                gettext("Deadlines of %(count)s open complaint(s) were recomputed.")
                % {"count": count},
            )


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
        self._recompute(request, obj)

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        self._recompute(request, obj)

    def _recompute(self, request, obj: CalendarDay) -> None:
        # A corrected day moves the open deadlines that run over it, now and with history
        # (confirming the year later would too, but a confirmed year is corrected in place).
        years.recompute_for_year(
            obj.calendar_id,
            obj.day.year,
            by=request.user,
            action="calendar_corrected",
            reason=gettext("Calendar day %(day)s corrected: deadlines recomputed")
            % {"day": obj.day.isoformat()},
        )


@admin.register(SlaPolicy)
class SlaPolicyAdmin(SimpleHistoryAdmin):
    list_display = [
        "__str__",
        "active",
        "refusal_appeals",
        "priority",
        "category",
        "department",
        "acceptance_amount",
        "acceptance_unit",
        "first_response_amount",
        "first_response_unit",
        "resolution_amount",
        "resolution_unit",
        "resolution_from",
    ]
    list_filter = ["active", "refusal_appeals", "priority", "department"]
    list_select_related = ["category", "category__parent", "department"]
    fieldsets = [
        (None, {"fields": ["name", "active", "notes"]}),
        (
            _("Applies to"),
            {"fields": ["refusal_appeals", "priority", "category", "department", "calendar"]},
        ),
        (
            _("Targets"),
            {
                "fields": [
                    ("acceptance_amount", "acceptance_unit", "acceptance_from"),
                    ("first_response_amount", "first_response_unit", "first_response_from"),
                    ("resolution_amount", "resolution_unit", "resolution_from"),
                    ("follow_up_amount", "follow_up_unit", "follow_up_from"),
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

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not form.has_changed():
            return
        # The open complaints' deadlines follow the new rule at once, each with a history row
        # naming this user (the admin's save is one transaction with the recomputation).
        count = services.recompute_open_deadlines(
            by=request.user,
            reason=gettext("SLA policy “%(name)s” changed: deadlines recomputed")
            % {"name": obj.display_name},
        )
        if count:
            self.message_user(
                request,
                gettext("Deadlines of %(count)s open complaint(s) were recomputed.")
                % {"count": count},
            )


@admin.register(CalendarYear)
class CalendarYearAdmin(SimpleHistoryAdmin):
    """Each year of each calendar: loaded from the holidays package (provisional), then
    corrected in Calendar days if the State Council's notice differs, then confirmed here."""

    list_display = [
        "calendar",
        "year",
        "status",
        "loaded_at",
        "package_version",
        "confirmed_by",
        "confirmed_at",
        "days",
    ]
    list_filter = ["status", "calendar"]
    list_select_related = ["calendar", "confirmed_by"]
    # A year is added by loading it (action, sync_holidays or on demand), never here: on its
    # page only the note is edited.
    fields = [*list_display, "note"]
    readonly_fields = list_display
    actions = ["confirm", "load_from_package"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("days"))
    def days(self, obj: CalendarYear) -> str:
        """Where the year is corrected: its holidays and moved working days."""
        url = reverse("admin:escalation_calendarday_changelist")
        return format_html(
            '<a href="{}?calendar__id__exact={}&amp;day__year={}">{}</a>',
            url,
            obj.calendar_id,
            obj.year,
            gettext("Holidays and moved working days of %(year)s") % {"year": obj.year},
        )

    @admin.action(
        description=_("Confirm the selected years (checked against the notice)"),
        permissions=["change"],
    )
    def confirm(self, request, queryset) -> None:
        for record in queryset:
            years.confirm_year(record, by=request.user)
        self.message_user(
            request, gettext("Confirmed; the deadlines in those years are no longer provisional.")
        )

    @admin.action(
        description=_("Reload the selected years from the holidays package"),
        permissions=["change"],
    )
    def load_from_package(self, request, queryset) -> None:
        for record in queryset.select_related("calendar"):
            try:
                result = years.load_year(record.calendar, record.year, by=request.user)
            except years.YearNotAvailable:
                self.message_user(
                    request,
                    gettext("The holidays package has no calendar for %(country)s.")
                    % {"country": record.calendar.holiday_country},
                    messages.ERROR,
                )
                continue
            years.recompute_for_year(record.calendar_id, record.year, by=request.user)
            self.message_user(
                request,
                result.summary(),
                messages.WARNING if result.unconfirmed else messages.SUCCESS,
            )


class RecordAdmin(InvisibleIsMissing, admin.ModelAdmin):
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


@admin.register(RemedyApproval)
class RemedyApprovalAdmin(RecordAdmin):
    list_display = [
        "complaint",
        "amount",
        "approver_tier",
        "status",
        "requested_by",
        "requested_at",
        "decided_by",
    ]
    list_filter = ["status", "approver_tier"]
    list_select_related = ["complaint", "requested_by", "decided_by"]


@admin.register(Notice)
class NoticeAdmin(RecordAdmin):
    list_display = ["key", "kind", "created_at", "sent_at", "attempts"]
    list_filter = ["kind"]
    readonly_fields = ["last_error"]

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
