"""The Django admin: every model, scoped by the visibility function, transitions as buttons that
call the services, history through SimpleHistoryAdmin, and no delete anywhere."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext
from simple_history.admin import SimpleHistoryAdmin

from complaints import actions, datebounds, rules, selectors, services
from complaints import forms as complaint_forms
from complaints.models import (
    Attachment,
    Category,
    Communication,
    Complaint,
    Department,
    Note,
    RootCause,
    SavedView,
    StaffProfile,
)


class NoDeleteMixin:
    """Complaints and their records are never hard-deleted; history is append-only."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class InvisibleIsMissing:
    """An object outside ``get_queryset`` (a complaint the user may not see, or a record of one)
    answers 404 on every admin page, as on every other surface.

    Django's admin answers a missing object with a redirect to the index and a "doesn't exist"
    message, and simple-history's history page falls back to the history rows of an object
    outside the queryset; both would tell the user that something is there.
    """

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self.get_object(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyScopedAdmin(InvisibleIsMissing, admin.ModelAdmin):
    """Records another part of the product writes about a complaint (intake's imported mail,
    the outbox's messages): shown for the complaints the user may see, changed by nobody here.

    Every tier reads them (scoped by the visibility function); the tier groups carry no
    permissions on these models, so the tier itself is the permission, as for the complaints
    they belong to."""

    def get_queryset(self, request):
        visible = selectors.complaints_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(complaint__in=visible)

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


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class NoteInline(ReadOnlyInline):
    model = Note
    fields = readonly_fields = ["created_at", "author", "body"]


class CommunicationInline(ReadOnlyInline):
    model = Communication
    fields = readonly_fields = ["occurred_at", "medium", "direction", "public", "summary", "author"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = readonly_fields = ["uploaded_at", "original_name", "content_type", "size", "file"]


class ComplaintAdminForm(complaint_forms.ComplainantContactMixin, forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Complaint
        fields = sorted(services.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        expected = cleaned.get("expected_version")
        if self.instance.pk and expected and expected != self.instance.version:
            raise forms.ValidationError(
                _(
                    "This complaint was changed by someone else since you opened it "
                    "(version %(yours)s, now %(now)s). Reload the page; nothing was saved."
                )
                % {"yours": expected, "now": self.instance.version}
            )
        return cleaned


@admin.register(Complaint)
class ComplaintAdmin(InvisibleIsMissing, NoDeleteMixin, FSMAdminMixin, SimpleHistoryAdmin):
    form = ComplaintAdminForm
    # The promised reply time keeps to the years every other door keeps to.
    formfield_overrides = datebounds.admin_overrides()
    fsm_fields = ["state"]
    change_form_template = "django_fsm/fsm_admin_change_form.html"
    list_display = [
        "reference",
        "state",
        "priority",
        "channel",
        "category",
        "department",
        "assignee",
        "tier",
        "received_at",
        "next_due_at",
    ]
    list_filter = ["state", "priority", "channel", "tier", "department", "received_at"]
    search_fields = ["=reference", "complainant_name", "=complainant_phone"]
    list_select_related = ["category", "category__parent", "department", "assignee"]
    # COUNT(*) over a million rows on every page is what makes peers slow: show "Show all" only.
    show_full_result_count = False
    date_hierarchy = None
    ordering = ["-received_at", "-id"]
    inlines = [NoteInline, CommunicationInline, AttachmentInline]
    readonly_fields = [
        "reference",
        "state",
        "version",
        "channel",
        "received_at",
        "created_by",
        "category",
        "priority",
        "department",
        "assignee",
        "tier",
        "classified_at",
        "assigned_at",
        "first_response_at",
        "resolved_at",
        "followed_up_at",
        "closed_at",
        "rejected_at",
        "withdrawn_at",
        "escalated_at",
        "escalation_count",
        "acceptance_due_at",
        "first_response_due_at",
        "resolution_due_at",
        "follow_up_due_at",
        "next_due_at",
        "reject_reason",
        "withdraw_reason",
        "decision_note",
        "root_cause",
        "resolution_summary",
        "remedy",
        "remedy_amount",
        "remedy_approved_amount",
        "remedy_approved_by",
        "corrective_action",
        "substantiated",
        "cause",
        "responsible_department",
        "responsible_person",
        "responsibility_finding",
        "responsibility_found_at",
        "follow_up_outcome",
        "follow_up_comment",
        "reopen_count",
        "repeat_of",
        "merged_into",
        "appeal_of",
    ]
    raw_id_fields = ["subject_person", "subject_department"]
    fsm_forms = dict(complaint_forms.TRANSITION_FORMS)

    def get_queryset(self, request):
        return selectors.complaints_visible_to(request.user).select_related(
            "category", "category__parent", "department", "assignee"
        )

    def has_add_permission(self, request) -> bool:
        # Registration goes through the intake forms (numbering, duplicate checks, deadlines).
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return selectors.may_write(request.user) and super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        changed = {
            f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS
        }
        if changed:
            services.update_details(
                obj,
                by=request.user,
                changes=changed,
                reason=str(_("Edited in the admin")),
                expected_version=form.cleaned_data.get("expected_version") or obj.version,
            )

    def _get_fsm_extra_context(self, *, request, obj):
        # django-fsm-2 lists only transitions whose conditions hold already; ours are met by
        # the form that follows the button (an assignee, a reason), so list by state and
        # permission, as every other surface does.
        if obj is None:
            return
        names = services.available_transitions(obj, request.user)
        if names:
            yield FSMObjectTransition(
                fsm_field="state",
                block_label=str(_("Actions")),
                available_transitions=[
                    FSMTransitionContext(
                        name=name,
                        label=str(
                            getattr(obj, name)._django_fsm.get_transition(obj.state).custom["label"]
                        ),
                    )
                    for name in names
                ],
            )

    # django-fsm-2's admin calls the transition method and save(); route it through the service
    # instead so the admin follows exactly the same rules and writes the same history.
    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        try:
            services.TRANSITIONS[transition_name](obj, by=request.user, **(kwargs or {}))
        except services.ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("%(reference)s: %(action)s.")
            % {"reference": obj.reference, "action": actions.TRANSITION_LABELS[transition_name]},
            level=messages.SUCCESS,
        )
        return True


class ScopedToVisibleComplaints(InvisibleIsMissing, NoDeleteMixin, SimpleHistoryAdmin):
    """Notes, communications and attachments: read in the admin, written from the complaint."""

    list_select_related = ["complaint"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(complaint__in=selectors.complaints_visible_to(request.user))
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Note)
class NoteAdmin(ScopedToVisibleComplaints):
    list_display = ["complaint", "author", "created_at"]
    search_fields = ["=complaint__reference"]
    list_select_related = ["complaint", "author"]


@admin.register(Communication)
class CommunicationAdmin(ScopedToVisibleComplaints):
    list_display = ["complaint", "medium", "direction", "public", "occurred_at"]
    list_filter = ["medium", "direction", "public"]
    search_fields = ["=complaint__reference"]


@admin.register(Attachment)
class AttachmentAdmin(ScopedToVisibleComplaints):
    list_display = ["complaint", "original_name", "content_type", "size", "uploaded_at"]
    search_fields = ["=complaint__reference", "original_name"]


class OrganisationAdmin(NoDeleteMixin, SimpleHistoryAdmin):
    """Departments, categories and staff: the general manager's office maintains them."""

    def has_change_permission(self, request, obj=None) -> bool:
        return selectors.may_write(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return selectors.may_write(request.user) and super().has_add_permission(request)


class DepartmentAdminForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name", "manager", "complaint_handler", "route_to_handler", "active"]

    def clean_complaint_handler(self):
        # New complaints are routed to the handler (complaints.routing): someone who can take
        # them, i.e. active frontline or manager staff of this department, or the GM.
        handler = self.cleaned_data.get("complaint_handler")
        if handler is None:
            return handler
        profile = rules.staff_profile(handler)
        in_department = profile is not None and (
            profile.tier == rules.GM
            or (
                profile.tier in (rules.FRONTLINE, rules.MANAGER)
                and self.instance.pk is not None
                and profile.department_id == self.instance.pk
            )
        )
        if not handler.is_active or not in_department:
            raise forms.ValidationError(
                _("The complaint handler must be active staff of this department.")
            )
        return handler


@admin.register(Department)
class DepartmentAdmin(OrganisationAdmin):
    form = DepartmentAdminForm
    list_display = ["code", "name", "manager", "complaint_handler", "route_to_handler", "active"]
    list_filter = ["active", "route_to_handler"]
    fields = ["code", "name", "manager", "complaint_handler", "route_to_handler", "active"]
    search_fields = ["code", "name"]
    list_select_related = ["manager", "complaint_handler"]
    raw_id_fields = ["manager", "complaint_handler"]


@admin.register(Category)
class CategoryAdmin(OrganisationAdmin):
    list_display = ["code", "name", "parent", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]


@admin.register(RootCause)
class RootCauseAdmin(OrganisationAdmin):
    """The root-cause catalogue (溯源): two levels, retired with the active flag, never deleted
    (complaints and reports keep pointing at a retired cause)."""

    list_display = ["code", "name", "parent", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # A parent is a top-level cause: the catalogue has two levels only.
            kwargs["queryset"] = RootCause.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(StaffProfile)
class StaffProfileAdmin(OrganisationAdmin):
    list_display = ["user", "tier", "department"]
    list_filter = ["tier", "department"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user", "department"]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        # The service keeps the user's Django group in step with the tier.
        services.set_staff_profile(
            obj.user, tier=obj.tier, department=obj.department, by=request.user
        )
        obj.pk = obj.user.staff_profile.pk


admin.site.site_header = _("Redress administration")
admin.site.site_title = _("Redress")
admin.site.index_title = _("Complaint case management")


class StaffUserAdmin(UserAdmin):
    """Staff accounts are deactivated, never deleted: deleting one would blank the user on every
    history row they wrote (simple-history sets it NULL) and break the audit chain."""

    # "Last login" in year 1 would be stored, and unreadable on every page showing the user.
    formfield_overrides = datebounds.admin_overrides()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)


@admin.register(SavedView)
class SavedViewAdmin(SimpleHistoryAdmin):
    """Saved list filters, read-only here: they hold no complaint data (opening one replays its
    filters through the opener's visibility), and their owners keep them from the list page."""

    list_display = ("name", "owner", "shared_with_department", "updated_at")
    list_filter = ("shared_with_department",)
    search_fields = ("name", "owner__username")
    readonly_fields = (
        "owner",
        "name",
        "query",
        "columns",
        "sort",
        "shared_with_department",
        "created_at",
        "updated_at",
    )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# Responsibility contests: their own module, registered with the rest of the core's admin.
from complaints import accountability_admin  # noqa: E402, F401 - registers ResponsibilityContestAdmin
