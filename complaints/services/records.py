"""What is written to a complaint outside its lifecycle moves: notes, communications with the
complainant, attachments, corrected registration details, the priority, and the links to other
complaints (a merge, a repeat). Each checks that ``by`` handles the complaint."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.locking import lock
from complaints.models import (
    OPEN_STATES,
    Attachment,
    Communication,
    Complaint,
    Note,
    Priority,
    State,
    Tier,
)
from complaints.services.errors import ActionForbidden, TransitionRefused
from complaints.services.pipeline import _announce_and_save, _check_version, _perform
from complaints.services.registration import normalise_contacts


def _require_handler(complaint: Complaint, by, permission: str) -> None:
    if not (rules._perm(by, permission) and rules.handles(complaint, by)):
        raise ActionForbidden(_("You may not add to this complaint."))


def add_note(complaint: Complaint, *, by, body: str) -> Note:
    """An internal note by a handler. History: the note's own "+" row."""
    _require_handler(complaint, by, "add_note")
    note = Note(complaint=complaint, author=by, body=body)
    note._history_user = by
    note._history_transition = "note"
    with transaction.atomic():  # the note, its history row and what receivers write: together
        note.save()
    return note


def log_communication(
    complaint: Complaint,
    *,
    by,
    medium: str,
    direction: str,
    summary: str,
    public: bool = False,
    occurred_at=None,
    message_id: str = "",
) -> Communication:
    """Log a call, email, letter or visit. The first outbound contact is the first response.

    ``by`` is None for inbound mail imported by the system.
    """
    if by is not None:
        _require_handler(complaint, by, "add_communication")
    with transaction.atomic():
        comm = Communication(
            complaint=complaint,
            author=by,
            medium=medium,
            direction=direction,
            summary=summary,
            public=public,
            occurred_at=occurred_at or timezone.now(),
            message_id=message_id,
        )
        comm._history_user = by
        comm._history_transition = "communication"
        comm.save()
        if direction == Communication.Direction.OUTBOUND:
            locked = lock(complaint)
            if locked.first_response_at is None:
                # A milestone, not a change of anyone's intent: no version bump.
                locked.first_response_at = comm.occurred_at
                # Announced like any change, so the first-response deadline stops running.
                _announce_and_save(
                    locked,
                    by=by,
                    action="first_response",
                    reason=summary[:200],
                    source=locked.state,
                )
    return comm


def add_attachment(
    complaint: Complaint,
    *,
    by,
    file,
    original_name: str,
    content_type: str,
    size: int,
    public: bool = False,
) -> Attachment:
    """Keep an evidence file. Size and type limits are checked by the form beforehand."""
    # The agent who registered a complaint may attach the evidence handed over with it while it
    # is still being received, even when it starts out of their hands (major complaints, appeals).
    registering = (
        by is not None and complaint.created_by_id == by.pk and complaint.state == State.RECEIVED
    )
    if by is not None and not registering:
        _require_handler(complaint, by, "add_attachment")
    attachment = Attachment(
        complaint=complaint,
        file=file,
        original_name=original_name,
        content_type=content_type,
        size=size,
        public=public,
        uploaded_by=by,
    )
    attachment._history_user = by
    attachment._history_transition = "attachment"
    with transaction.atomic():
        attachment.save()
    return attachment


EDITABLE_FIELDS = {
    "complainant_name",
    "complainant_phone",
    "complainant_email",
    "complainant_id_number",
    "complainant_address",
    "preferred_channel",
    "complainant_language",
    "confidential",
    "subject_department",
    "subject_person",
    "subject_description",
    "description",
    "request",
    "promised_reply_at",
}


def update_details(
    complaint: Complaint,
    *,
    by,
    changes: dict[str, Any],
    reason: str,
    expected_version: int | None = None,
) -> Complaint:
    """Correct registration details of an open complaint (typo in a phone number, a fuller
    account). Not a lifecycle move: state, ownership and resolution change only through their
    actions. History: one "edit" row with the reason.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"update_details() cannot change {sorted(unknown)}")
    with transaction.atomic():
        locked = lock(complaint)
        _check_version(locked, complaint.version if expected_version is None else expected_version)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(_("You may not edit this complaint."))
        if locked.state not in (
            State.RECEIVED,
            State.CLASSIFIED,
            State.ASSIGNED,
            State.RESOLVED,
            State.FOLLOWED_UP,
        ):
            raise TransitionRefused(_("A finished complaint cannot be edited."))
        for field, value in changes.items():
            setattr(locked, field, value)
        normalise_contacts(locked)
        locked.version += 1
        _announce_and_save(locked, by=by, action="edit", reason=reason, source=locked.state)
    return locked


def merge(
    complaint: Complaint,
    *,
    into: Complaint,
    by,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Merge a duplicate into the open case it repeats: the duplicate is terminated with reason
    "merged" and points at the surviving case; both keep their own history."""
    if into.pk == complaint.pk or into.state not in OPEN_STATES:
        raise TransitionRefused(_("A complaint can only be merged into another open complaint."))
    return _perform(
        complaint,
        action="withdraw",
        by=by,
        reason=reason or str(_("Merged into %(reference)s") % {"reference": into.reference}),
        changes={"withdraw_reason": "merged", "merged_into": into, "decision_note": reason},
        expected_version=expected_version,
    )


def link_repeat(complaint: Complaint, *, repeat_of: Complaint, by, reason: str = "") -> Complaint:
    """Mark ``complaint`` as a repeat (重复投诉) of an earlier one; reports count repeats."""
    if repeat_of.pk == complaint.pk:
        raise TransitionRefused(_("A complaint cannot repeat itself."))
    with transaction.atomic():
        locked = lock(complaint)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(_("You may not edit this complaint."))
        locked.repeat_of = repeat_of
        locked.version += 1
        _announce_and_save(locked, by=by, action="link_repeat", reason=reason, source=locked.state)
    return locked


# Issue #15: changed one by one or in bulk from the list (complaints.bulk).
def change_priority(
    complaint: Complaint,
    *,
    by,
    priority: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """Change the priority of an open complaint after classification found it wrong.

    Preconditions: the complaint is open; ``by`` handles it and may change complaints; the
    priority differs from the current one. Lowering a major complaint is a manager's decision
    (``handle_major_complaint``), as turning one away is. Raising one to major at the
    frontline tier moves it to the manager tier, as classifying it major does (DOMAIN.md: major
    complaints go straight to a manager). History: one "priority" row with the reason.
    """
    if priority not in Priority.values:
        raise TypeError(f"change_priority() got an unknown priority {priority!r}")
    with transaction.atomic():
        locked = lock(complaint)
        _check_version(locked, complaint.version if expected_version is None else expected_version)
        if not (rules._perm(by, "change_complaint") and rules.handles(locked, by)):
            raise ActionForbidden(
                _("You may not change the priority of %(reference)s.")
                % {"reference": locked.reference}
            )
        if locked.state not in OPEN_STATES:
            raise TransitionRefused(
                _("A complaint that is %(state)s keeps its priority.")
                % {"state": locked.get_state_display().lower()}
            )
        if locked.priority == priority:
            raise TransitionRefused(
                _("%(reference)s already has that priority.") % {"reference": locked.reference}
            )
        if locked.priority == Priority.MAJOR and not rules._perm(by, "handle_major_complaint"):
            raise ActionForbidden(_("Only a manager may lower the priority of a major complaint."))
        locked.priority = priority
        if priority == Priority.MAJOR and locked.tier == Tier.FRONTLINE:
            locked.tier = Tier.MANAGER
        locked.version += 1
        _announce_and_save(locked, by=by, action="priority", reason=reason, source=locked.state)
    return locked
