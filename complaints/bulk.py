"""Work on many complaints at once from the list (issue #15): assign, change priority, add a
note, export the selection; and the export of the list's current filter.

A bulk action is the one-by-one service run for each selected complaint, each in its own
transaction with the version the user saw on the list. A refusal (a stale copy, a missing
permission, a state or tier rule) leaves that complaint out and is reported with its reason;
it never undoes or stops the others. Each done complaint has its own history row, written by
the service, with the acting user and the reason "bulk: …".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints import rules, selectors, services
from complaints.filters import SORTS, FastSelect, _order
from complaints.forms import AssignForm
from complaints.models import Complaint, Priority

# The history reason of every bulk change starts with this, so the audit log tells a bulk
# change from a one-by-one change.
REASON_PREFIX = "bulk"


class BadSelection(ValueError):
    """The posted selection is not a list of ``<id>:<version>`` pairs (a forged form)."""


def parse_selection(values: Iterable[str]) -> dict[int, int]:
    """``["12:3", "15:1"]`` → ``{12: 3, 15: 1}``: each complaint id with the version the user
    saw. Raises BadSelection on anything else, including an id given twice."""
    selection: dict[int, int] = {}
    for value in values:
        pk, sep, version = str(value).partition(":")
        if not sep or not pk.isdigit() or not version.isdigit():
            raise BadSelection(value)
        if int(pk) in selection:
            raise BadSelection(value)
        selection[int(pk)] = int(version)
    return selection


def bulk_limit() -> int:
    return settings.REDRESS_BULK_MAX


def bulk_reason(reason: str) -> str:
    reason = (reason or "").strip()
    return f"{REASON_PREFIX}: {reason}" if reason else REASON_PREFIX


def handler_choices(user) -> QuerySet:
    """The people ``user`` may hand complaints to in bulk: the one-by-one assign form's rule
    for a complaint of ``user``'s department (its staff, the general manager where the rule
    allows, never the auditor). A general manager works across departments: everyone the form
    may ever offer. The service re-checks each complaint's department and tier anyway."""
    if rules.tier_of(user) == rules.GM:
        return AssignForm().fields["assignee"].queryset
    department_id = rules.department_id_of(user)
    return AssignForm(complaint=Complaint(department_id=department_id)).fields["assignee"].queryset


# --- the form ----------------------------------------------------------------------------------

WRITE_ACTIONS = ("assign", "priority", "note")
EXPORT_ACTIONS = ("export_csv", "export_xlsx")


class BulkForm(forms.Form):
    """The bulk bar of the list. The selected complaints arrive as ``selected`` values
    (``<id>:<version>``), read by the view with ``parse_selection``; the other fields are those
    of the chosen action, each checked here only when that action needs it."""

    action = forms.ChoiceField(
        label=gettext_lazy("With the selected complaints"),
        choices=[
            ("assign", gettext_lazy("Assign or reassign")),
            ("priority", gettext_lazy("Change priority")),
            ("note", gettext_lazy("Add a note")),
            ("export_csv", gettext_lazy("Export (CSV)")),
            ("export_xlsx", gettext_lazy("Export (XLSX)")),
        ],
        widget=FastSelect,
    )
    assignee = forms.ModelChoiceField(
        label=gettext_lazy("Handler"),
        queryset=Complaint.objects.none(),
        required=False,
        widget=FastSelect,  # every handler the user may pick: the list page's longest select
    )
    priority = forms.ChoiceField(
        label=gettext_lazy("Priority"),
        choices=[("", "—"), *Priority.choices],
        required=False,
        widget=FastSelect,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), required=False, max_length=500)
    body = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        # The list's filter form has fields of the same names (handler, priority): own ids.
        kwargs.setdefault("auto_id", "id_bulk_%s")
        super().__init__(*args, **kwargs)
        for form_field in self.fields.values():
            css = "form-select" if isinstance(form_field.widget, forms.Select) else "form-control"
            form_field.widget.attrs.setdefault("class", css)
        if selectors.may_write(user):
            self.fields["assignee"].queryset = handler_choices(user)
        else:
            # Auditors read and export; the write actions are not offered.
            self.fields["action"].choices = [
                choice for choice in self.fields["action"].choices if choice[0] in EXPORT_ACTIONS
            ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        action = cleaned.get("action")
        needed = {
            "assign": ("assignee", _("Choose the handler.")),
            "priority": ("priority", _("Choose the new priority.")),
            "note": ("body", _("Write the note.")),
        }
        if action in needed:
            name, message = needed[action]
            if not cleaned.get(name) and not self.has_error(name):
                self.add_error(name, message)
        return cleaned


@dataclass
class Refusal:
    reference: str
    reason: str


@dataclass
class BulkResult:
    action: str
    done: list[Complaint] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.done) + len(self.refused)


def run(
    user,
    selection: dict[int, int],
    *,
    action: str,
    apply: Callable[[Complaint, int], Any],
) -> BulkResult:
    """Call ``apply(complaint, version_seen)`` for each selected complaint ``user`` may see.

    The selected complaints are read in one query through the visibility rule; one that is
    gone or not visible to ``user`` is refused without naming it (its reference would reveal
    it exists). Each ``apply`` is one service call: its own transaction and history row.
    """
    result = BulkResult(action=action)
    found = {
        complaint.pk: complaint
        for complaint in selectors.complaints_visible_to(user)
        .with_list_relations()
        .filter(pk__in=list(selection))
        .order_by("reference")
    }
    for pk in selection:
        if pk not in found:
            result.refused.append(
                Refusal(
                    _("No. %(id)s") % {"id": pk},
                    _("Not found, or not visible to you."),
                )
            )
    for complaint in found.values():
        try:
            apply(complaint, selection[complaint.pk])
        except services.ServiceError as exc:
            result.refused.append(Refusal(complaint.reference, exc.message))
        else:
            result.done.append(complaint)
    return result


def assign(user, selection: dict[int, int], *, assignee, reason: str) -> BulkResult:
    return run(
        user,
        selection,
        action="assign",
        apply=lambda complaint, version: services.assign(
            complaint,
            by=user,
            assignee=assignee,
            reason=bulk_reason(reason),
            expected_version=version,
        ),
    )


def change_priority(user, selection: dict[int, int], *, priority: str, reason: str) -> BulkResult:
    return run(
        user,
        selection,
        action="priority",
        apply=lambda complaint, version: services.change_priority(
            complaint,
            by=user,
            priority=priority,
            reason=bulk_reason(reason),
            expected_version=version,
        ),
    )


def add_note(user, selection: dict[int, int], *, body: str) -> BulkResult:
    # A note changes nothing another user may have changed, so, as on the complaint page, it is
    # added whatever the complaint's version now is.
    return run(
        user,
        selection,
        action="note",
        apply=lambda complaint, version: services.add_note(complaint, by=user, body=body),
    )


# --- export -------------------------------------------------------------------------------------

CHUNK = 2000


def export_limit() -> int:
    return settings.REDRESS_EXPORT_MAX_ROWS


def in_list_order(queryset: QuerySet, sort: str) -> Iterator[Complaint]:
    """The rows of ``queryset`` in the list's ``sort`` order: the sort's groups one after the
    other, each read in its index's order in chunks from a server-side cursor. One query per
    group, whatever the number of rows."""
    groups = SORTS[sort.lstrip("-")].groups(sort.startswith("-"), {})
    for group in groups:
        yield from (
            queryset.filter(group.condition)
            .order_by(*_order(group))
            .with_list_relations()
            .iterator(chunk_size=CHUNK)
        )


def _who(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def export_rows(user, complaints: Iterable[Complaint], *, limit: int) -> Iterator[list[Any]]:
    """A header and one row per complaint, at most ``limit`` rows, then a line saying the
    export stopped there if more were left. The complainant's name and contact details are
    masked wherever the complaint page masks them for ``user``. Times are local, to the minute.
    """
    yield [
        _("Reference"),
        _("Received at"),
        _("Channel"),
        _("State"),
        _("Tier"),
        _("Priority"),
        _("Category"),
        _("Department"),
        _("Handler"),
        _("Complainant"),
        _("Phone"),
        _("Email"),
        _("Description"),
        _("Next deadline"),
        _("Resolution due"),
    ]

    def local(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    for written, complaint in enumerate(complaints):
        if written >= limit:
            yield [
                _("The export stops at %(limit)s complaints; narrow the filter to export the rest.")
                % {"limit": limit}
            ]
            return
        visible = selectors.may_see_complainant(user, complaint)

        def who(value: str, visible: bool = visible) -> str:
            return value if visible else selectors.mask(value)

        category = complaint.category
        yield [
            complaint.reference,
            local(complaint.received_at),
            complaint.get_channel_display(),
            complaint.get_state_display(),
            complaint.get_tier_display(),
            complaint.get_priority_display(),
            str(category) if category else "",
            complaint.department.name if complaint.department else "",
            _who(complaint.assignee),
            who(complaint.complainant_name),
            who(complaint.complainant_phone),
            who(complaint.complainant_email),
            complaint.description,
            local(complaint.next_due_at),
            local(complaint.resolution_due_at),
        ]
