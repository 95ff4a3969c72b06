"""Reads that carry a rule. ``complaints_visible_to`` is the one visibility function: the admin,
staff views, API, exports, history views and reports all start from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404

from complaints import rules
from complaints.models import (
    Attachment,
    Communication,
    Complaint,
    Department,
    Note,
    RootCause,
    State,
)


def complaints_visible_to(user) -> QuerySet[Complaint]:
    """Which complaints ``user`` may see.

    - general manager (and superusers) and auditors: everything;
    - department manager: the department's complaints and the unrouted intake queue;
    - frontline: complaints assigned to them, their department's unassigned queue and the
      unrouted intake queue (received complaints that no department has yet);
    - anyone else: nothing.

    Each branch is served by an index: ``cmp_dept_state_recv_idx`` for the department,
    ``cmp_assignee_state_idx`` for the assignee.
    """
    qs = Complaint.objects.all()
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        return qs
    unrouted = Q(department__isnull=True, state=State.RECEIVED)
    dept = rules.department_id_of(user)
    if tier == rules.MANAGER:
        return qs.filter(Q(department_id=dept) | unrouted)
    if tier == rules.FRONTLINE:
        return qs.filter(
            Q(assignee_id=user.pk) | Q(department_id=dept, assignee__isnull=True) | unrouted
        )
    return qs.none()


def findings_visible_to(user) -> QuerySet[Complaint]:
    """Which complaints' responsibility findings (责任认定) ``user`` may read: the accountability
    rule, beside the visibility rule above.

    - general manager and auditors: every finding;
    - department manager: the findings that name their unit, also on a complaint another
      department handled (the unit answers for it: it may contest and is counted for it);
    - frontline: the findings that name them;
    - anyone else: none.

    Served by ``cmp_resp_dept_resolved_idx`` and ``cmp_resp_person_resolved_idx``.
    """
    qs = Complaint.objects.all()
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        return qs
    if tier == rules.MANAGER:
        return qs.filter(responsible_department_id=rules.department_id_of(user))
    if tier == rules.FRONTLINE:
        return qs.filter(responsible_person_id=user.pk)
    return qs.none()


def linked_references(ids: set[int]) -> dict[int, Complaint]:
    """The complaints another complaint links to (repeat of, merged into, appeal of), by id, as
    the page that links them shows them: their reference (and state), nothing else. Whoever
    sees a complaint sees the references it names; opening one goes through
    ``get_complaint_for`` like any other."""
    return _in_bulk(Complaint.objects.only("id", "reference", "state"), ids)


def get_complaint_for(user, reference: str, *, write: bool = False) -> Complaint:
    """The complaint ``reference`` if ``user`` may see it, else 404 (never reveal it exists).

    With ``write=True`` an auditor gets PermissionDenied (403): they read, they never change.
    """
    try:
        complaint = complaints_visible_to(user).with_list_relations().get(reference=reference)
    except Complaint.DoesNotExist as exc:
        raise Http404(reference) from exc
    if write and not may_write(user):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied
    return complaint


def may_write(user) -> bool:
    """Auditors and users without a handling tier change nothing anywhere."""
    return rules.tier_of(user) in (rules.FRONTLINE, rules.MANAGER, rules.GM)


def may_see_complainant(user, complaint: Complaint) -> bool:
    """Whether ``user`` may see who complained and how to reach them.

    对信访人身份保密: when the complaint is confidential, staff of the unit complained about
    (and the person complained about) see it masked; the GM and auditors always see it.
    """
    tier = rules.tier_of(user)
    if tier is None:
        return False
    if tier in (rules.GM, rules.AUDITOR):
        return True
    if rules.is_complained_about(complaint, user):
        return False
    return not (
        complaint.confidential
        and complaint.subject_department_id is not None
        and complaint.subject_department_id == rules.department_id_of(user)
    )


def complainant_hidden_q(user) -> Q:
    """``may_see_complainant`` as a query condition: the complaints whose complainant ``user``
    sees masked. Searches and look-ups by name, phone or ID exclude these, because a match alone
    would tell the unit complained about who complained.
    """
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        return Q(pk__in=[])
    if tier is None:
        return ~Q(pk__in=[])
    hidden = Q(subject_person_id=user.pk)
    department_id = rules.department_id_of(user)
    if department_id is not None:
        hidden |= Q(confidential=True, subject_department_id=department_id)
    return hidden


def mask(value: str) -> str:
    """Keep the first and last characters, hide the rest: 13812345678 → 1*********8."""
    if not value:
        return value
    if len(value) <= 2:
        return "*" * len(value)
    return value[0] + "*" * (len(value) - 2) + value[-1]


# --- the complaint page ---------------------------------------------------------------------------

# The columns of a complaint's history row that its timeline shows or compares: the page reads
# these few rather than every column of the wide history table (the others are deferred, and
# ``complaints.history.changes`` only reads the fields it is asked to compare).
TIMELINE_HISTORY_COLUMNS = (
    "history_id",
    "history_date",
    "history_transition",
    "history_change_reason",
    "history_user_id",
    "state",
    "tier",
    "priority",
    "assignee_id",
    "department_id",
)
# The complaint's own relations that the page shows and ``with_list_relations`` does not join.
# Joining them too made the row query cost ~6 ms to plan (twelve tables); loading them with the
# timeline's people and departments costs nothing extra.
PAGE_PEOPLE = ("created_by", "subject_person", "remedy_approved_by", "responsible_person")
PAGE_DEPARTMENTS = ("subject_department", "responsible_department")
PAGE_LINKS = ("repeat_of", "merged_into", "appeal_of")


@dataclass
class ComplaintRecords:
    """What the complaint page shows besides the complaint row itself."""

    history: list[Any]  # history rows with only TIMELINE_HISTORY_COLUMNS loaded, oldest first
    notes: list[Note]
    communications: list[Communication]
    attachments: list[Attachment]
    users: dict[int, Any]  # every person named on the page, by id
    departments: dict[int, Department]  # every department named on the page, by id


def complaint_records(complaint: Complaint) -> ComplaintRecords:
    """The history rows, notes, communications and attachments of ``complaint``, and the people,
    departments and linked complaints that they and the complaint name.

    At most eight queries whatever the number of entries: history, notes, communications,
    attachments, then one each for the people, departments, linked complaints and the coded
    root cause not already loaded (``with_list_relations`` brought the handler and the
    department). Each is served by an index on the complaint or a primary key. The complaint's
    relations listed in PAGE_PEOPLE, PAGE_DEPARTMENTS and PAGE_LINKS, its cause, and each
    record's author, are filled in, so reading them costs no further query.
    """
    history = list(
        complaint.history.order_by("history_date", "history_id").only(*TIMELINE_HISTORY_COLUMNS)
    )
    notes = list(complaint.notes.all())
    communications = list(complaint.communications.all())
    attachments = list(complaint.attachments.all())

    user_ids = {getattr(complaint, f"{name}_id") for name in PAGE_PEOPLE}
    user_ids |= {pk for row in history for pk in (row.history_user_id, row.assignee_id)}
    user_ids |= {note.author_id for note in notes}
    user_ids |= {comm.author_id for comm in communications}
    user_ids |= {attachment.uploaded_by_id for attachment in attachments}
    users = _in_bulk(get_user_model(), user_ids, known=[_loaded(complaint, "assignee")])

    department_ids = {getattr(complaint, f"{name}_id") for name in PAGE_DEPARTMENTS}
    department_ids |= {row.department_id for row in history}
    departments = _in_bulk(Department, department_ids, known=[_loaded(complaint, "department")])

    link_ids = {getattr(complaint, f"{name}_id") for name in PAGE_LINKS}
    # The page shows a linked complaint as its reference; the state is read by the FSM mixin.
    links = linked_references(link_ids)

    # The coded root cause and its parent (shown as "流程 / 流程缺失"): one query when set.
    causes = _in_bulk(RootCause.objects.select_related("parent"), {complaint.cause_id})
    _fill(complaint, ("cause",), causes)
    _fill(complaint, PAGE_PEOPLE, users)
    _fill(complaint, PAGE_DEPARTMENTS, departments)
    _fill(complaint, PAGE_LINKS, links)
    for note in notes:
        _fill(note, ("author",), users)
    for comm in communications:
        _fill(comm, ("author",), users)
    for attachment in attachments:
        _fill(attachment, ("uploaded_by",), users)
    return ComplaintRecords(history, notes, communications, attachments, users, departments)


def _in_bulk(source, ids: set, *, known=()) -> dict[int, Any]:
    """``source`` objects by id: those in ``known`` as they are, the others in one query (none
    when nothing is missing)."""
    found = {obj.pk: obj for obj in known if obj is not None}
    missing = {pk for pk in ids if pk is not None and pk not in found}
    if missing:
        queryset = source if isinstance(source, QuerySet) else source._default_manager.all()
        found.update(queryset.in_bulk(missing))
    return found


def _loaded(obj, name: str):
    """The related object ``name`` of ``obj`` if a join already loaded it, else None."""
    field = obj._meta.get_field(name)
    return field.get_cached_value(obj) if field.is_cached(obj) else None


def _fill(obj, names: tuple[str, ...], objects: dict[int, Any]) -> None:
    """Set the foreign keys ``names`` of ``obj`` from ``objects``, so reading them costs no query
    (an id not in ``objects`` is left to load itself)."""
    for name in names:
        pk = getattr(obj, f"{name}_id")
        if pk in objects:
            setattr(obj, name, objects[pk])


def people_who_can_take(complaint: Complaint, department_id: int | None = None) -> QuerySet:
    """Who an assign, reassign or escalate picker offers for ``complaint``.

    The same rule as ``services.assign`` (rules.assignee_in_department,
    rules.assignee_not_complained_about, the tier check): active staff with a handling tier
    who work in the department (the general manager in any), at the complaint's tier or above,
    never an auditor and never the person complained about. ``department_id`` replaces the
    complaint's own when the complaint is being moved.
    """
    from complaints.models import TIER_ORDER, Tier

    department_id = department_id if department_id is not None else complaint.department_id
    tier = complaint.tier if complaint.tier in TIER_ORDER else Tier.FRONTLINE
    tiers = [str(t) for t in TIER_ORDER[TIER_ORDER.index(tier) :]]
    people = get_user_model().objects.filter(is_active=True, staff_profile__tier__in=tiers)
    people = people.filter(
        Q(staff_profile__tier=Tier.GM) | Q(staff_profile__department_id=department_id)
    )
    if complaint.subject_person_id:
        people = people.exclude(pk=complaint.subject_person_id)
    return people.select_related("staff_profile").order_by("first_name", "last_name", "username")


def all_complaints_for_reports() -> QuerySet[Complaint]:
    """Every complaint, for the system issuing reports no user asked for (month-end snapshots,
    scheduled exports): what the general manager sees, ``complaints_visible_to`` of the GM tier.

    Left unfiltered on purpose: ``reporting.figures`` treats a queryset without a WHERE clause
    as the whole organisation and reads its indexes accordingly.
    """
    return Complaint.objects.all()
