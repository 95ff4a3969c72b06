"""A complaint's change history for the history page: every historical record of the complaint
and of its notes, communications and attachments, in order, with a field-by-field diff.

Costs a fixed number of queries whatever the number of records: one per history table, one per
kind of related object named in the diffs (users, departments, categories, complaints).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from complaints import actions, history
from complaints.models import Category, Complaint, Department, RootCause
from complaints.people import display_name
from complaints.selectors import mask, may_see_complainant
from reporting.audit import CHAINED, HISTORY_MODELS, NOT_A_CHANGE

RECORD_LABELS = {
    "complaint": _("Complaint"),
    "note": _("Note"),
    "communication": _("Communication"),
    "attachment": _("Attachment"),
    "contest": _("Responsibility contest"),
}

TYPE_LABELS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}

# The complainant's identity, shown masked to staff who may not see it (对信访人身份保密).
PII_FIELDS = {
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
}
# A credential for the public tracking page: never shown in the history.
SECRET_FIELDS = {"tracking_code"}


def field_label(record: str, attname: str) -> str:
    """The translated label of a history column (``promised_reply_at`` → "Promised reply by").

    The model field's ``verbose_name``, the same label the complaint page and the admin use;
    an unknown column (one since removed from the model) keeps its raw name.
    """
    model = HISTORY_MODELS.get(record)
    if model is not None:
        for model_field in model._meta.concrete_fields:
            if attname in (model_field.attname, model_field.name):
                return capfirst(str(model_field.verbose_name))
    return attname


def field_labels(record: str, changed: str) -> list[str]:
    """``",state,assignee_id,"`` of one audit record → its fields' translated labels."""
    return [field_label(record, name) for name in changed.split(",") if name and name != "id"]


def action_label(action: str) -> Any:
    return actions.title(action)


@dataclass
class Change:
    field: str
    label: Any
    old: Any
    new: Any


@dataclass
class Entry:
    when: dt.datetime
    who: Any
    record: str
    record_label: Any
    object_id: int
    history_id: int
    history_type: str
    action: str
    action_label: Any
    reason: str
    changes: list[Change] = field(default_factory=list)
    broken: bool = False


def _field_map(label: str) -> dict[str, models.Field]:
    return {f.attname: f for f in HISTORY_MODELS[label]._meta.concrete_fields}


def _not_shown(label: str) -> set[str]:
    """The fields of a record that the history page never lists as changed: the audit
    chain's bookkeeping columns (``reporting.audit.NOT_A_CHANGE``) and the id."""
    return {
        f.name
        for f in HISTORY_MODELS[label]._meta.concrete_fields
        if f.attname in NOT_A_CHANGE or f.attname == "id"
    }


def _change(model_field, change, before, names, show_identity: bool) -> Change:
    return Change(
        field=model_field.attname,
        label=capfirst(model_field.verbose_name),
        old=_display(model_field, model_field.attname, change.old, names, show_identity)
        if before is not None
        else None,
        new=_display(model_field, model_field.attname, change.new, names, show_identity),
    )


def timeline(complaint: Complaint, user) -> list[Entry]:
    """Every history record of ``complaint`` and its related records, oldest first."""
    show_identity = may_see_complainant(user, complaint)
    loaded: list[tuple[str, Any]] = []
    for label, (_model, column) in CHAINED.items():
        rows = (
            HISTORY_MODELS[label]
            .objects.filter(**{column: complaint.pk})
            .select_related("history_user")
            .order_by("history_date", "history_id")
        )
        loaded.extend((label, row) for row in rows)

    names = _related_names(loaded)
    previous: dict[tuple[str, int], Any] = {}
    entries = []
    for label, row in sorted(loaded, key=lambda item: (item[1].history_date, item[1].history_id)):
        before = previous.get((label, row.id))
        previous[(label, row.id)] = row
        changes = [
            _change(
                HISTORY_MODELS[label]._meta.get_field(change.field),
                change,
                before,
                names,
                show_identity,
            )
            for change in history.changes(row, before, excluded=_not_shown(label), initial=True)
        ]
        user_obj = row.history_user
        entries.append(
            Entry(
                when=row.history_date,
                who=display_name(user_obj) if user_obj else _("system"),
                record=label,
                record_label=RECORD_LABELS[label],
                object_id=row.id,
                history_id=row.history_id,
                history_type=row.history_type,
                action=row.history_transition,
                action_label=action_label(row.history_transition),
                reason=row.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


_RELATED = {
    "user": get_user_model,
    "department": lambda: Department,
    "category": lambda: Category,
    "complaint": lambda: Complaint,
    "cause": lambda: RootCause,
}


def _kind(model_field: models.Field) -> str | None:
    if not isinstance(model_field, models.ForeignKey) or model_field.name == "history_user":
        return None
    target = model_field.related_model
    for kind, get_model in _RELATED.items():
        if target is get_model():
            return kind
    return None


def _related_names(loaded) -> dict[str, dict[int, str]]:
    """Names of every user, department, category and complaint the diffs mention: one query
    per kind, not one per row."""
    wanted: dict[str, set[int]] = {kind: set() for kind in _RELATED}
    field_maps = {label: _field_map(label) for label in CHAINED}
    for label, row in loaded:
        for attname, model_field in field_maps[label].items():
            kind = _kind(model_field)
            value = getattr(row, attname)
            if kind and value is not None:
                wanted[kind].add(value)
    names: dict[str, dict[int, str]] = {}
    for kind, ids in wanted.items():
        if not ids:
            names[kind] = {}
            continue
        model = _RELATED[kind]()
        if kind == "user":
            names[kind] = {
                pk: (f"{first} {last}".strip() or username)
                for pk, username, first, last in model.objects.filter(pk__in=ids).values_list(
                    "pk", "username", "first_name", "last_name"
                )
            }
        elif kind == "complaint":
            names[kind] = dict(model.objects.filter(pk__in=ids).values_list("pk", "reference"))
        elif kind == "cause":
            # As the complaint page shows it: "流程 / 流程缺失".
            names[kind] = {
                cause.pk: str(cause)
                for cause in model.objects.filter(pk__in=ids).select_related("parent")
            }
        else:
            names[kind] = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
    return names


def _display(model_field, attname: str, value, names, show_identity: bool) -> Any:
    if value is None or value == "":
        return ""
    if attname in SECRET_FIELDS:
        return "••••••"
    if attname in PII_FIELDS and not show_identity:
        return mask(str(value))
    kind = _kind(model_field)
    if kind:
        return names.get(kind, {}).get(value, f"#{value}")
    if model_field.choices:
        return dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value
