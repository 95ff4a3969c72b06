"""Admin of corrective actions: scoped by ``actions_visible_to``, history through
SimpleHistoryAdmin, transitions as buttons that call the services, no delete, and the state
and milestones never editable as free fields."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_fsm.admin import FSMAdminMixin, FSMObjectTransition, FSMTransitionContext
from simple_history.admin import SimpleHistoryAdmin

from complaints.selectors import may_write
from improvement import rules, selectors, services
from improvement.forms import TRANSITION_FORMS
from improvement.models import MOVES, TRANSITION_LABELS, ActionComplaint, CorrectiveAction


class ScopedNoDelete:
    """Objects outside the viewer's scope answer 404; nothing is deleted from the admin."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self.get_object(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ActionAdminForm(forms.ModelForm):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = CorrectiveAction
        fields = list(services.EDITABLE_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["expected_version"].initial = self.instance.version


class LinkInline(admin.TabularInline):
    model = ActionComplaint
    extra = 0
    can_delete = False
    fields = readonly_fields = ["complaint", "linked_at", "linked_by"]

    def get_queryset(self, request):
        from complaints.selectors import complaints_visible_to

        visible = complaints_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(complaint__in=visible)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ScopedNoDelete, FSMAdminMixin, SimpleHistoryAdmin):
    form = ActionAdminForm
    fsm_fields = ["state"]
    fsm_forms = dict(TRANSITION_FORMS)
    change_form_template = "django_fsm/fsm_admin_change_form.html"
    list_display = [
        "__str__",
        "state",
        "cause",
        "department",
        "owner",
        "due_on",
        "escalation_level",
    ]
    list_filter = ["state", "department", "escalation_level"]
    search_fields = ["title"]
    list_select_related = ["cause", "cause__parent", "department", "owner"]
    show_full_result_count = False
    ordering = ["due_on", "id"]
    inlines = [LinkInline]
    readonly_fields = [
        "state",
        "version",
        "cause",
        "department",
        "opened_at",
        "opened_by",
        "started_at",
        "completed_at",
        "evidence",
        "evidence_file",
        "verified_at",
        "verified_by",
        "verification_note",
        "cancelled_at",
        "cancel_reason",
        "escalated_at",
        "escalation_level",
    ]

    def get_queryset(self, request):
        return selectors.with_list_relations(selectors.actions_visible_to(request.user))

    def has_add_permission(self, request) -> bool:
        # Opened from the page (or the API), where the complaints are chosen and checked.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        if not may_write(request.user) or not super().has_change_permission(request, obj):
            return False
        return (
            obj is None
            or rules.may_edit(obj, request.user)
            or bool(services.available_transitions(obj, request.user))
        )

    def save_model(self, request, obj, form, change):
        changed = {
            f: form.cleaned_data[f] for f in form.changed_data if f in services.EDITABLE_FIELDS
        }
        if not changed:
            return
        original = CorrectiveAction.objects.get(pk=obj.pk)
        try:
            services.edit(
                original,
                by=request.user,
                reason=str(_("Edited in the admin")),
                expected_version=form.cleaned_data.get("expected_version") or original.version,
                **changed,
            )
        except services.ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)

    def _get_fsm_extra_context(self, *, request, obj):
        if obj is None:
            return
        names = services.available_transitions(obj, request.user)
        if names:
            yield FSMObjectTransition(
                fsm_field="state",
                block_label=str(_("Actions")),
                available_transitions=[
                    FSMTransitionContext(name=name, label=str(TRANSITION_LABELS[name]))
                    for name in names
                ],
            )

    def _apply_fsm_transition(self, *, obj, transition_name, request, kwargs=None) -> bool:
        try:
            services.TRANSITIONS[transition_name](obj, by=request.user, **(kwargs or {}))
        except services.ServiceError as exc:
            self.message_user(request, exc.message, level=messages.ERROR)
            return False
        self.message_user(
            request,
            _("Action %(pk)s %(what)s.") % {"pk": obj.pk, "what": MOVES[transition_name].done},
            level=messages.SUCCESS,
        )
        return True
