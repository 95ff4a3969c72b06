"""Tamper evidence: a per-complaint hash chain over every history record.

Each history row of a complaint, and of its notes, communications and attachments, gets an
``AuditRecord`` in the same transaction:

    content_hash = sha256(canonical JSON of the history row as stored)
    seal         = sha256(previous seal of this complaint + content_hash)

with ``sha256("redress-audit-chain:<complaint id>")`` before the first record. Editing a history
row changes its content hash; deleting one leaves a seal pointing at nothing; deleting a seal
leaves a gap in ``seq``; inserting a history row outside the application leaves it unsealed;
rewriting a content hash in ``reporting_auditrecord`` breaks every later seal. ``verify``
reports the first broken link of each complaint.

What it cannot catch: someone with write access to the database who recomputes the whole tail
of a chain (or truncates its last records together with their seals). Copying the chain heads
somewhere out of their reach (the nightly verification run's log, a backup) closes that gap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from complaints import history as complaint_history
from complaints import locking
from complaints.models import Attachment, Communication, Complaint, Note, ResponsibilityContest
from reporting.models import AuditRecord, SealLayout

# label → (model, column of the history table holding the complaint id)
CHAINED = {
    "complaint": (Complaint, "id"),
    "note": (Note, "complaint_id"),
    "communication": (Communication, "complaint_id"),
    "attachment": (Attachment, "complaint_id"),
    # A contest of the complaint's responsibility finding and its decision (责任认定申诉).
    "contest": (ResponsibilityContest, "complaint_id"),
}
HISTORY_MODELS = {label: model.history.model for label, (model, _col) in CHAINED.items()}
LABEL_OF = {history: label for label, history in HISTORY_MODELS.items()}

# What counts as a change is defined once, in ``complaints.history`` (the timeline, the API's
# history and the "changed since you opened it" notice diff rows with simple-history's
# ``diff_against`` there): its ``NOT_A_CHANGE`` applies here too. The seal still compares the
# value dicts it has already read rather than calling ``diff_against``: that needs model
# instances and names fields by name ("department"), whereas the audit log has always stored
# and filtered by column ("department_id"), and the seal runs at every registration, so it
# must not add work there. Left out besides: simple-history's own columns, which are not fields
# of the record, and ``created_at``, which every first row sets (for a first row the audit log
# lists the fields its creation filled, where ``complaints.history`` lists none).
HISTORY_COLUMNS = frozenset(
    {
        "history_id",
        "history_date",
        "history_user_id",
        "history_change_reason",
        "history_type",
        "history_transition",
    }
)
NOT_A_CHANGE = complaint_history.NOT_A_CHANGE | HISTORY_COLUMNS | {"created_at"}

PROBLEMS = {
    "seal_missing": _("a seal is missing from the chain (a row of the audit table was removed)"),
    "seal_altered": _("the seal does not follow from the previous one (the chain was rewritten)"),
    "record_deleted": _("the sealed history record no longer exists (it was deleted)"),
    "record_altered": _("the history record differs from what was sealed (it was edited)"),
    "columns_removed": _("the history record lost columns it was sealed with"),
    "unsealed": _("a history record has no seal (it was written outside the application)"),
}


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def genesis(complaint_id: int) -> str:
    return sha256(f"redress-audit-chain:{complaint_id}")


def next_seal(previous: str, content_hash: str) -> str:
    return sha256(previous + content_hash)


def history_fields(label: str) -> list[str]:
    return sorted(f.attname for f in HISTORY_MODELS[label]._meta.concrete_fields)


_AS_IS = frozenset({str, int, bool, type(None)})


def _plain(value: Any) -> Any:
    # Most columns hold text, numbers, flags or nothing: answered by one set lookup (the
    # seal of 10,000 escalations calls this 770,000 times). Same results as the checks below.
    if type(value) in _AS_IS:
        return value
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def canonical(label: str, fields: Iterable[str], row: dict[str, Any]) -> str:
    """The sealed text of a history row: its label and every column, in a fixed order, as
    read back from the database (so what is hashed is what is stored)."""
    return json.dumps(
        [label, [[name, _plain(row[name])] for name in fields]],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _layout_id(label: str, fields: list[str]) -> int:
    """The id of the layout row for these columns (one indexed read; created the first time).

    Not cached in the process: an id remembered from a transaction that was rolled back (or a
    test database that was flushed) would point at nothing.
    """
    digest = sha256(json.dumps([label, fields]))
    layout, _created = SealLayout.objects.get_or_create(
        digest=digest, defaults={"model": label, "fields": fields}
    )
    return layout.pk


def _changed_fields(row: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """The columns ``row`` changed since ``previous`` (or, for a first row, the ones it filled),
    by ``NOT_A_CHANGE`` above."""
    names = [name for name in row if name not in NOT_A_CHANGE]
    if previous is None:
        return [name for name in names if row[name] not in (None, "", False)]
    return [name for name in names if row[name] != previous.get(name)]


def seal(history_instance) -> AuditRecord:
    """Seal one freshly written history row into its complaint's chain (see ``seal_many``)."""
    return seal_many([history_instance])[0]


def seal_many(history_instances: list) -> list[AuditRecord]:
    """Seal freshly written history rows of one kind into their complaints' chains, in order.

    Four to six queries however many rows (a bulk service seals a thousand escalations at
    once): the rows as stored, the previous versions of their objects (for "fields changed"),
    the complaints' row locks (for notes, contacts and files), each chain's last seal, the
    layout and one INSERT.

    Runs in the writer's transaction (or its own, for a writer outside one). The complaint rows
    are locked before the chains' last seals are read, which serialises every writer of a
    chain: a complaint's own history row comes after the UPDATE (or INSERT) of its row, which
    holds that lock; for the other records they are locked here (FOR NO KEY UPDATE, in id
    order). Lifecycle services lock the complaint first, so the order of locks is always
    complaint first and two writers cannot deadlock on it.
    """
    if not history_instances:
        return []
    history_model = type(history_instances[0])
    label = LABEL_OF[history_model]
    if any(type(instance) is not history_model for instance in history_instances):
        raise TypeError("seal_many() seals history rows of one model at a time")
    _model, complaint_column = CHAINED[label]
    fields = history_fields(label)
    with transaction.atomic(savepoint=False):
        rows, previous_of, stored = _rows_as_stored(
            history_model, fields, [instance.history_id for instance in history_instances]
        )
        complaint_ids = sorted({row[complaint_column] for row in rows})
        departments = {}
        if label != "complaint":
            departments = _lock_complaints(complaint_ids)
        heads = _chain_heads(complaint_ids)
        layout_id = _layout_id(label, fields)
        records = []
        for row in rows:
            complaint_id = row[complaint_column]
            seq, last_seal = heads.get(complaint_id, (0, genesis(complaint_id)))
            record = _record(label, fields, row, stored.get(previous_of[row["history_id"]]))
            record.complaint_id = complaint_id
            record.seq = seq + 1
            record.seal = next_seal(last_seal, record.content_hash)
            record.layout_id = layout_id
            if label != "complaint":
                record.department_id = departments[complaint_id]
            records.append(record)
            heads[complaint_id] = (record.seq, record.seal)
        return AuditRecord.objects.bulk_create(records)


def _rows_as_stored(history_model, fields: list[str], new_ids: list[int]):
    """The new rows as stored, oldest first; the history id of each one's previous version of
    the same object (for "fields changed"); and every row read, new or previous, by history id.
    Two queries at most."""
    before = (
        history_model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    rows = list(
        history_model.objects.filter(history_id__in=new_ids)
        .annotate(previous_version=Subquery(before))
        .order_by("history_id")
        .values(*fields, "previous_version")
    )
    previous_of = {row["history_id"]: row.pop("previous_version") for row in rows}
    stored = {row["history_id"]: row for row in rows}
    wanted = set(previous_of.values()) - set(stored) - {None}
    if wanted:
        stored.update(
            (row["history_id"], row)
            for row in history_model.objects.filter(history_id__in=wanted).values(*fields)
        )
    return rows, previous_of, stored


def _lock_complaints(complaint_ids: list[int]) -> dict[int, int | None]:
    """Lock the complaints of notes', contacts' or files' records (in id order) and return
    their departments. A complaint's own history row follows the INSERT or UPDATE of its row,
    which holds the row lock already; a note's or a file's does not."""
    return dict(
        locking.locked_rows(Complaint.objects.filter(pk__in=complaint_ids)).values_list(
            "pk", "department_id"
        )
    )


def _chain_heads(complaint_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Each chain's last (seq, seal), read after the complaints are locked."""
    last_seq = (
        AuditRecord.objects.filter(complaint_id=OuterRef("complaint_id"))
        .order_by("-seq")
        .values("seq")[:1]
    )
    return {
        record["complaint_id"]: (record["seq"], record["seal"])
        for record in AuditRecord.objects.filter(
            complaint_id__in=complaint_ids, seq=Subquery(last_seq)
        ).values("complaint_id", "seq", "seal")
    }


def _record(label: str, fields: list[str], row: dict[str, Any], previous) -> AuditRecord:
    """The audit record of one history row, before its place in the chain is set."""
    return AuditRecord(
        model=label,
        history_id=row["history_id"],
        object_id=row["id"],
        history_date=row["history_date"],
        history_type=row["history_type"],
        user_id=row["history_user_id"],
        department_id=row["department_id"] if label == "complaint" else None,
        action=row["history_transition"] or "",
        reason=row["history_change_reason"] or "",
        changed_fields="," + ",".join(_changed_fields(row, previous)) + ",",
        content_hash=sha256(canonical(label, fields, row)),
    )


# --- verification -------------------------------------------------------------------------------


@dataclass
class Break:
    complaint_id: int
    reference: str
    seq: int | None
    model: str
    history_id: int | None
    problem: str

    @property
    def message(self) -> str:
        return str(PROBLEMS[self.problem])

    @property
    def record_label(self) -> str:
        from reporting.history import RECORD_LABELS

        return str(RECORD_LABELS.get(self.model, self.model))

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "message": self.message}


@dataclass
class Outcome:
    complaints: int
    records: int
    breaks: dict[int, Break]

    @property
    def first(self) -> Break | None:
        if not self.breaks:
            return None
        return self.breaks[min(self.breaks)]


def verify(complaint_ids: list[int]) -> Outcome:
    """Check the chains of ``complaint_ids``: 1 query for the seals, 1 per history table, 1 for
    the references. Returns the first broken link of each broken chain."""
    from reporting.models import SealLayout

    ids = list(complaint_ids)
    records = list(
        AuditRecord.objects.filter(complaint_id__in=ids)
        .order_by("complaint_id", "seq")
        .values("complaint_id", "seq", "model", "history_id", "content_hash", "seal", "layout_id")
    )
    layouts = {
        layout.pk: layout.fields
        for layout in SealLayout.objects.filter(pk__in={r["layout_id"] for r in records})
    }
    stored, complaint_of = _history_rows(ids)
    breaks: dict[int, Break] = {}
    references = dict(Complaint.objects.filter(pk__in=ids).values_list("pk", "reference"))

    def report(complaint_id: int, seq, label: str, history_id, problem: str) -> None:
        breaks.setdefault(
            complaint_id,
            Break(complaint_id, references.get(complaint_id, ""), seq, label, history_id, problem),
        )

    previous: dict[int, tuple[int, str]] = {}
    sealed: set[tuple[str, int]] = set()
    for record in records:
        cid = record["complaint_id"]
        sealed.add((record["model"], record["history_id"]))
        if cid in breaks:
            continue
        last_seq, last_seal = previous.get(cid, (0, genesis(cid)))
        previous[cid] = (record["seq"], record["seal"])
        problem = _problem(record, last_seq, last_seal, stored, layouts)
        if problem == "seal_missing":
            report(cid, last_seq + 1, record["model"], None, problem)
        elif problem is not None:
            report(cid, record["seq"], record["model"], record["history_id"], problem)
    for key in sorted(set(stored) - sealed, key=lambda k: stored[k]["history_date"]):
        report(complaint_of[key], None, key[0], key[1], "unsealed")
    return Outcome(complaints=len(ids), records=len(records), breaks=breaks)


def _history_rows(ids: list[int]):
    """Every history row of the complaints ``ids`` by (label, history id), and the complaint
    each belongs to (one query per history table)."""
    stored: dict[tuple[str, int], dict[str, Any]] = {}
    complaint_of: dict[tuple[str, int], int] = {}
    for label, (_model, complaint_column) in CHAINED.items():
        for row in (
            HISTORY_MODELS[label]
            .objects.filter(**{f"{complaint_column}__in": ids})
            .values(*history_fields(label))
        ):
            stored[(label, row["history_id"])] = row
            complaint_of[(label, row["history_id"])] = row[complaint_column]
    return stored, complaint_of


def _problem(record: dict, last_seq: int, last_seal: str, stored: dict, layouts: dict):
    """What is wrong with ``record``, the link after (``last_seq``, ``last_seal``) of its
    chain (a key of ``PROBLEMS``), or None."""
    key = (record["model"], record["history_id"])
    if record["seq"] != last_seq + 1:
        return "seal_missing"
    if record["seal"] != next_seal(last_seal, record["content_hash"]):
        return "seal_altered"
    if key not in stored:
        return "record_deleted"
    fields = layouts[record["layout_id"]]
    row = stored[key]
    if any(name not in row for name in fields):
        return "columns_removed"
    if sha256(canonical(record["model"], fields, row)) != record["content_hash"]:
        return "record_altered"
    return None


def verify_all(batch: int = 500, progress=None) -> Outcome:
    """Every complaint's chain, ``batch`` complaints at a time (bounded memory)."""
    total = Outcome(complaints=0, records=0, breaks={})
    ids: list[int] = []

    def flush() -> None:
        outcome = verify(ids)
        total.complaints += outcome.complaints
        total.records += outcome.records
        total.breaks.update(outcome.breaks)
        ids.clear()
        if progress is not None:
            progress(total)

    for pk in Complaint.objects.order_by("pk").values_list("pk", flat=True).iterator(2000):
        ids.append(pk)
        if len(ids) >= batch:
            flush()
    if ids:
        flush()
    return total
