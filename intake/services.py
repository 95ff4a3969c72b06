"""Intake's write actions. Each one wraps the core services (``complaints.services`` stays the
only writer of complaints) with what every intake channel needs around registration: evidence
files in the same transaction, a duplicate merged or a repeat linked at once, appeals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules, services
from complaints.models import Complaint, Department, Priority, State
from complaints.uploads import CheckedUpload


@dataclass(frozen=True)
class Evidence:
    """An uploaded file that already passed ``complaints.uploads.check_upload``."""

    file: Any
    checked: CheckedUpload


def register(
    *,
    by,
    channel: str,
    description: str,
    evidence: Iterable[Evidence] = (),
    merge_into: Complaint | None = None,
    idempotency_key: str = "",
    idempotency_scope: str = "",
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register a complaint through the core's ``register`` (or ``register_once`` with an
    ``idempotency_key``) and keep its evidence.

    Returns ``(complaint, created)``: with an ``idempotency_key`` a retried submission (within
    ``idempotency_scope``) returns the first attempt's complaint and ``created`` is False; its
    files and merge are then not applied again. ``merge_into`` registers the complaint and
    merges it straight into that open case (both keep their history). Everything is one
    transaction: a refused file or merge leaves nothing behind. ``by`` is None for the public
    channels.
    """
    with transaction.atomic():
        if idempotency_key:
            complaint, created = services.register_once(
                by=by,
                channel=channel,
                description=description,
                idempotency_key=idempotency_key,
                idempotency_scope=idempotency_scope,
                **fields,
            )
        else:
            complaint = services.register(by=by, channel=channel, description=description, **fields)
            created = True
        if not created:
            return complaint, False
        for item in evidence:
            attach(complaint, by=by, evidence=item)
        if merge_into is not None:
            complaint = services.merge(complaint, into=merge_into, by=by)
    return complaint, True


def attach(complaint: Complaint, *, by, evidence: Evidence):
    """Keep one evidence file, recorded as uploaded by the registering staff member (or by
    nobody for the public channels)."""
    return services.add_attachment(
        complaint,
        by=by,
        file=evidence.file,
        original_name=evidence.checked.name[-255:],  # the column's length; keep the extension
        content_type=evidence.checked.content_type,
        size=evidence.checked.size,
        public=by is None,
    )


# ---------------------------------------------------------------------------------------------
# Appeals
# ---------------------------------------------------------------------------------------------


def appeal_deadline(complaint: Complaint) -> datetime | None:
    """Until when the complainant may appeal: a closed complaint's outcome within
    ``REDRESS_APPEAL_WINDOW_DAYS`` of closure, a refusal (不予受理复查) within
    ``REDRESS_REFUSAL_APPEAL_DAYS`` of the refusal notice (sent when it was refused); None for
    any other state."""
    if complaint.state == State.CLOSED and complaint.closed_at is not None:
        return complaint.closed_at + timedelta(days=settings.REDRESS_APPEAL_WINDOW_DAYS)
    if complaint.state == State.REJECTED and complaint.rejected_at is not None:
        return complaint.rejected_at + timedelta(days=settings.REDRESS_REFUSAL_APPEAL_DAYS)
    return None


def may_appeal(complaint: Complaint) -> bool:
    deadline = appeal_deadline(complaint)
    return deadline is not None and timezone.now() <= deadline


class AppealRefused(services.ServiceError):
    """The complaint is neither closed nor refused, or the appeal window has passed (409)."""


def appeal_refused_message(complaint: Complaint) -> str:
    return _(
        "%(reference)s cannot be appealed: only a closed complaint can, within %(days)s days "
        "of closure, or a refused one, within %(refusal_days)s days of the refusal."
    ) % {
        "reference": complaint.reference,
        "days": settings.REDRESS_APPEAL_WINDOW_DAYS,
        "refusal_days": settings.REDRESS_REFUSAL_APPEAL_DAYS,
    }


def register_appeal(
    original: Complaint,
    *,
    by,
    channel: str,
    description: str,
    evidence: Iterable[Evidence] = (),
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register an appeal against a closed complaint's outcome, or against a refusal.

    The appeal is a new complaint linked by ``appeal_of``; the core starts it at the department
    manager tier and the SLA policies give it its own clock (an appeal against a refusal takes
    the policy for such appeals; ``complaints.refusal_appeals`` decides it). It stays with the
    original's department and category, and copies the complainant's contact details where
    none are given. One appeal per complaint and kind: a second attempt (a double click, or
    staff registering an appeal the complainant already filed online) returns the first, with
    ``created`` False. An original refused, accepted on appeal and closed may be appealed again
    against its outcome (another kind, another key).
    """
    if not may_appeal(original):
        raise AppealRefused(appeal_refused_message(original))
    scope = "refusal_appeal" if original.state == State.REJECTED else "appeal"
    inherited = {
        "complainant_name": original.complainant_name,
        "complainant_phone": original.complainant_phone,
        "complainant_email": original.complainant_email,
        "complainant_id_number": original.complainant_id_number,
        "complainant_language": original.complainant_language,
        "confidential": original.confidential,
        "subject_department": original.subject_department,
        "subject_person": original.subject_person,
        "subject_description": original.subject_description,
        "category": original.category,
        "department": original.department,
    }
    for field, value in inherited.items():
        if not fields.get(field):
            fields[field] = value
    return register(
        by=by,
        channel=channel,
        description=description,
        evidence=evidence,
        appeal_of=original,
        idempotency_key=original.reference,
        idempotency_scope=scope,
        **fields,
    )


# ---------------------------------------------------------------------------------------------
# Open311
# ---------------------------------------------------------------------------------------------


def register_open311(
    *,
    channel: str,
    description: str,
    category,
    location: dict[str, Any],
    idempotency_key: str = "",
    idempotency_scope: str = "",
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register a GeoReport v2 service request: a complaint plus its ``Open311Request`` row
    (location, media link, client identifiers), in one transaction. Idempotent like
    ``register``."""
    from intake.models import Open311Request

    with transaction.atomic():
        complaint, created = register(
            by=None,
            channel=channel,
            description=description,
            category=category,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
            **fields,
        )
        if created:
            Open311Request.objects.create(
                complaint=complaint, service_code=category.code, **location
            )
    return complaint, created


@dataclass(frozen=True)
class FirstContactResolution:
    """What the agent settled on the call (the FCA's summary resolution): how it was classified
    and resolved, and, if the complainant said so, whether they are satisfied."""

    category: Any
    resolution_summary: str
    root_cause: str
    substantiated: bool
    remedy: str = ""
    follow_up_outcome: str = ""
    cause: Any = None  # a RootCause, required when substantiated (complaints.root_causes)
    follow_up_comment: str = ""


def register_resolved_at_first_contact(
    *,
    by,
    channel: str,
    description: str,
    resolution: FirstContactResolution,
    evidence: Iterable[Evidence] = (),
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register a complaint the agent resolved on the call, through the normal lifecycle:
    register, classify (the agent's department, normal priority), assign to the agent, resolve
    and, when the complainant gave an answer, follow up. Each step is the ordinary service with
    its own checks and history row, so the agent needs every permission the long way needs; one
    refusal undoes everything (one transaction).

    Returns ``(complaint, created)`` like ``register``: a resent form returns the first
    attempt's complaint untouched.
    """
    with transaction.atomic():
        complaint, created = register(
            by=by, channel=channel, description=description, evidence=evidence, **fields
        )
        if not created:
            return complaint, False
        department_id = rules.department_id_of(by)
        if department_id is None:
            raise services.ActionForbidden(
                _("Only staff of a department can resolve a complaint at first contact.")
            )
        complaint = services.classify(
            complaint,
            by=by,
            category=resolution.category,
            priority=Priority.NORMAL,
            department=Department.objects.get(pk=department_id),
            route=False,  # the agent handles it: assigned to them just below
        )
        complaint = services.assign(complaint, by=by, assignee=by)
        complaint = services.resolve(
            complaint,
            by=by,
            root_cause=resolution.root_cause,
            resolution_summary=resolution.resolution_summary,
            substantiated=resolution.substantiated,
            remedy=resolution.remedy,
            cause=resolution.cause,
        )
        if resolution.follow_up_outcome:
            complaint = services.follow_up(
                complaint,
                by=by,
                outcome=resolution.follow_up_outcome,
                comment=resolution.follow_up_comment,
            )
    return complaint, True
