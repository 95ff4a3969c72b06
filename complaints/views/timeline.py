"""The complaint page's timeline (history rows, notes, communications and attachments in one
time order) and, after a stale copy was refused, what changed since the user's version.

What a history row changed is ``complaints.history.changes``, the one history diff; its
heading is ``complaints.actions.title``, the one action vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.encoding import force_str
from django.utils.translation import gettext as _

from complaints import actions, history, selectors
from complaints.models import Complaint
from complaints.people import display_name
from complaints.templatetags import workspace


@dataclass
class TimelineEntry:
    at: datetime
    kind: str  # history, note, communication, attachment
    title: str
    actor: Any = None
    text: str = ""
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    obj: Any = None
    history_id: int | None = None  # a history entry's row, to find the changes a conflict names


# What the timeline shows of each history row's changes, in this order.
TIMELINE_FIELDS = ("state", "tier", "priority", "assignee", "department")


def build_timeline(records: selectors.ComplaintRecords) -> list[TimelineEntry]:
    """History rows, notes, communications and attachments in one time order; each history
    row lists what it changed in the state, tier, priority, handler and department."""
    entries = _history_entries(records) + _record_entries(records)
    entries.sort(key=lambda entry: entry.at)
    return entries


def _history_entries(records: selectors.ComplaintRecords) -> list[TimelineEntry]:
    shown = _FieldDisplay(records)
    entries: list[TimelineEntry] = []
    previous = None
    for row in records.history:
        delta = {c.field: c for c in history.changes(row, previous, fields=TIMELINE_FIELDS)}
        changes = []
        for name in TIMELINE_FIELDS:
            if name in delta:
                old, new = shown(name, delta[name].old), shown(name, delta[name].new)
                if old != new:
                    changes.append((shown.heading(name), old, new))
        entries.append(
            TimelineEntry(
                at=row.history_date,
                kind="history",
                title=actions.title(row.history_transition),
                actor=records.users.get(row.history_user_id),
                text=row.history_change_reason or "",
                changes=changes,
                history_id=row.history_id,
            )
        )
        previous = row
    return entries


class _FieldDisplay:
    """A timeline field's value as the page shows it: choices by their label (as
    ``get_FOO_display()``), the handler by name, the department by its name; "—" for none."""

    def __init__(self, records: selectors.ComplaintRecords) -> None:
        self.users, self.departments = records.users, records.departments
        self.labels = {
            name: dict(Complaint._meta.get_field(name).flatchoices)
            for name in ("state", "tier", "priority")
        }

    def __call__(self, name: str, value) -> str | None:
        if name == "assignee":
            return display_name(self.users.get(value)) or "—"
        if name == "department":
            return str(self.departments.get(value, "—"))
        return force_str(self.labels[name].get(value, value), strings_only=True)

    @staticmethod
    def heading(name: str) -> str:
        return {
            "state": _("State"),
            "tier": _("Tier"),
            "priority": _("Priority"),
            "assignee": _("Handler"),
            "department": _("Department"),
        }[name]


def _record_entries(records: selectors.ComplaintRecords) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(note.created_at, "note", _("Note"), note.author, note.body, obj=note)
        for note in records.notes
    ]
    for comm in records.communications:
        title = f"{comm.get_medium_display()} · {comm.get_direction_display()}"
        entries.append(
            TimelineEntry(
                comm.occurred_at, "communication", title, comm.author, comm.summary, obj=comm
            )
        )
    for attachment in records.attachments:
        entries.append(
            TimelineEntry(
                attachment.uploaded_at,
                "attachment",
                _("Attachment"),
                attachment.uploaded_by,
                attachment.original_name,
                obj=attachment,
            )
        )
    return entries


# --- what changed since the user's version ------------------------------------------------------


@dataclass
class ConflictChange:
    """One change made since the user's version: the timeline's entry (who, when, the action,
    the state, tier, priority, handler or department before and after) and the readable labels
    of the other fields it changed."""

    entry: TimelineEntry
    other_fields: list[str]


@dataclass
class Conflict:
    seen_version: int | None
    changes: list[ConflictChange] = field(default_factory=list)
    in_form: bool = False  # the posted form is on the page (its action is still possible)


# Not among a conflict's "other fields": those the timeline entry already shows with their
# values, and the tracking code (bookkeeping; ``history.NOT_A_CHANGE`` holds the rest).
_NOT_SHOWN_AS_OTHER = {*TIMELINE_FIELDS, "tracking_code"}


def changes_since(
    complaint: Complaint, seen_version: int | None, timeline: list[TimelineEntry]
) -> list[ConflictChange]:
    """The history rows written after version ``seen_version``, each as its timeline entry
    plus the labels of the other fields it changed (``complaints.history.changes`` against
    the row before it). One query; nothing when the version seen is unknown."""
    if seen_version is None:
        return []
    entries = {entry.history_id: entry for entry in timeline if entry.kind == "history"}
    rows = complaint.history.filter(version__gte=seen_version).order_by(
        "history_date", "history_id"
    )
    changes, previous = [], None
    for row in rows:
        entry = entries.get(row.history_id)
        if row.version > seen_version and entry is not None:
            other = history.changed_fields(row, previous, excluded=_NOT_SHOWN_AS_OTHER)
            changes.append(
                ConflictChange(entry=entry, other_fields=[workspace.field_label(n) for n in other])
            )
        previous = row
    return changes
