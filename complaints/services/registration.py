"""Registering a complaint (登记): the reference, the tracking code, the normalised contact
keys, and idempotent registration for clients that retry (``register_once``)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from complaints import rules
from complaints.models import Complaint, IdempotencyKey, Priority, ReferenceSequence, Tier
from complaints.services.pipeline import _announce_and_save

_TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    # +86 138... and 138... are the same mobile number.
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_id(number: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", number or "").upper()


def _next_reference(now) -> str:
    """``C-2026-000123``: one upsert of the per-year counter row, whose lock it then holds until
    the intake commits (so numbers have no gaps and no duplicates)."""
    year = timezone.localtime(now).year
    table = connection.ops.quote_name(ReferenceSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last) VALUES (%s, 1) "  # noqa: S608 (our own table)
            f"ON CONFLICT (year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return f"{settings.REDRESS_REFERENCE_PREFIX}-{year}-{last:06d}"


def _new_tracking_code() -> str:
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(10))


REGISTRATION_FIELDS = {
    "received_at",
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
    "request",
    "category",
    "priority",
    "department",
    "promised_reply_at",
    "repeat_of",
    "appeal_of",
    # A transfer from a regulator or hotline platform (intake.transfers).
    "external_platform",
    "external_reference",
    "external_due_at",
}


def register(
    *,
    by,
    channel: str,
    description: str,
    reason: str = "",
    idempotency_key: str = "",
    idempotency_scope: str = "",
    **fields: Any,
) -> Complaint:
    """Register a complaint (登记) in state ``received``.

    Preconditions: the form/serializer validated the fields; ``by`` is the registering staff
    member, or None for public channels (web form, email, Open311).
    Side effects: a reference from the per-year counter, a tracking code, normalised contact
    keys; major complaints and appeals start at the department-manager tier (DOMAIN.md: major
    complaints go straight to a manager). With an ``idempotency_key`` a retry within the same
    ``idempotency_scope`` returns the complaint the first attempt created, unchanged.
    History: one "register" row by ``by``.
    """
    unknown = set(fields) - REGISTRATION_FIELDS
    if unknown:
        raise TypeError(f"register() got unexpected fields: {sorted(unknown)}")
    if idempotency_key:
        complaint, _created = register_once(
            by=by,
            channel=channel,
            description=description,
            reason=reason,
            idempotency_key=idempotency_key,
            idempotency_scope=idempotency_scope,
            **fields,
        )
        return complaint
    now = timezone.now()
    with transaction.atomic():
        complaint = _new_complaint(
            by=by, channel=channel, description=description, now=now, **fields
        )

        def number(complaint: Complaint) -> None:
            # Last, just before the INSERT: concurrent intakes queue on the counter's row lock
            # from here to their commit, so nothing slow may come after it.
            complaint.reference = _next_reference(now)

        _announce_and_save(
            complaint, by=by, action="register", reason=reason, source=None, before_save=number
        )
    return complaint


def _new_complaint(*, by, channel: str, description: str, now, **fields: Any) -> Complaint:
    """The complaint as registered, not yet saved and without its reference: received now
    unless told otherwise, in the registering staff member's department unless one was given,
    at the manager tier when major or an appeal, with its contact keys and a tracking code."""
    complaint = Complaint(channel=channel, description=description, created_by=by, **fields)
    if fields.get("received_at") is None:
        complaint.received_at = now
    if complaint.department_id is None and by is not None:
        complaint.department_id = rules.department_id_of(by)
    if complaint.priority == Priority.MAJOR or complaint.appeal_of_id is not None:
        complaint.tier = Tier.MANAGER
    normalise_contacts(complaint)
    complaint.tracking_code = _new_tracking_code()
    return complaint


def normalise_contacts(complaint: Complaint) -> None:
    """Set the normalised copies of the complainant's phone, email and ID number, which
    duplicate and repeat detection look up (one indexed lookup whatever the spelling)."""
    complaint.complainant_phone_norm = normalise_phone(complaint.complainant_phone)
    complaint.complainant_email_norm = normalise_email(complaint.complainant_email)
    complaint.complainant_id_norm = normalise_id(complaint.complainant_id_number)


def register_once(
    *,
    by,
    channel: str,
    description: str,
    idempotency_key: str,
    idempotency_scope: str = "",
    reason: str = "",
    **fields: Any,
) -> tuple[Complaint, bool]:
    """Register a complaint unless this ``idempotency_key`` (within ``idempotency_scope``: the
    API client, the mailbox, the transfer platform) already registered one; returns
    ``(complaint, created)``. A retry gets the first attempt's complaint, unchanged, with
    ``created=False``, so the caller can answer 200 rather than 201 and attach files once.
    Two simultaneous attempts: one creates, the other gets its complaint."""
    existing = _complaint_for_key(idempotency_scope, idempotency_key)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            complaint = register(
                by=by, channel=channel, description=description, reason=reason, **fields
            )
            IdempotencyKey.objects.create(
                scope=idempotency_scope, key=idempotency_key, complaint=complaint
            )
            return complaint, True
    except IntegrityError:
        # A simultaneous retry won the unique key; its complaint is the answer.
        existing = _complaint_for_key(idempotency_scope, idempotency_key)
        if existing is None:
            raise
        return existing, False


def _complaint_for_key(scope: str, key: str) -> Complaint | None:
    row = IdempotencyKey.objects.filter(scope=scope, key=key).select_related("complaint").first()
    return row.complaint if row else None
