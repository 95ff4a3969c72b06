"""Intake's reads: the complainant's earlier complaints (duplicate and repeat detection) and what
the public tracking page may show."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import selectors
from complaints.models import OPEN_STATES, Communication, Complaint, State
from complaints.services import normalise_email, normalise_id, normalise_phone

# Shortest identifiers worth looking up: a partial phone number would match strangers.
MIN_PHONE_DIGITS = 6
MIN_ID_CHARS = 4


def contact_keys(*, phone: str = "", email: str = "", id_number: str = "") -> Q | None:
    """The OR of the complainant's normalised identifiers, or None when none is usable.

    Each branch is an equality on one ``*_norm`` column, which its partial index
    (``cmp_phone_norm_idx``, ``cmp_email_norm_idx``, ``cmp_id_norm_idx``) serves: PostgreSQL
    combines them with a BitmapOr, so the lookup stays one cheap query at a million rows.
    """
    keys = Q()
    phone_norm = normalise_phone(phone)
    if len(phone_norm) >= MIN_PHONE_DIGITS:
        keys |= Q(complainant_phone_norm=phone_norm)
    email_norm = normalise_email(email)
    if "@" in email_norm[1:-1]:
        keys |= Q(complainant_email_norm=email_norm)
    id_norm = normalise_id(id_number)
    if len(id_norm) >= MIN_ID_CHARS:
        keys |= Q(complainant_id_norm=id_norm)
    return keys or None


@dataclass(frozen=True)
class Earlier:
    """An earlier complaint of the same complainant, and what intake may do with it."""

    complaint: Complaint
    # Open, same category (or not yet classified), within the duplicate window: offer a merge.
    duplicate: bool

    @property
    def open(self) -> bool:
        return self.complaint.state in OPEN_STATES


def visible_for_lookup(user) -> QuerySet[Complaint]:
    """The complaints ``user`` may be shown when looking a complainant up.

    ``complaints_visible_to``, minus those whose complainant is hidden from this user
    (对信访人身份保密): telling the unit complained about "this phone number has complained
    about you" would reveal exactly what the confidentiality flag protects.
    """
    return selectors.complaints_visible_to(user).exclude(selectors.complainant_hidden_q(user))


def earlier_queryset(
    *,
    queryset: QuerySet[Complaint] | None = None,
    phone: str = "",
    email: str = "",
    id_number: str = "",
    exclude: Complaint | None = None,
) -> QuerySet[Complaint] | None:
    """The query behind ``earlier_complaints`` (None when no identifier is usable)."""
    keys = contact_keys(phone=phone, email=email, id_number=id_number)
    if keys is None:
        return None
    since = timezone.now() - timedelta(days=settings.REDRESS_REPEAT_WINDOW_DAYS)
    qs = (Complaint.objects.all() if queryset is None else queryset).filter(
        keys, received_at__gte=since
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs.select_related("category", "category__parent").order_by("-received_at", "-id")


def earlier_complaints(
    *,
    queryset: QuerySet[Complaint] | None = None,
    phone: str = "",
    email: str = "",
    id_number: str = "",
    category=None,
    exclude: Complaint | None = None,
    limit: int = 20,
) -> list[Earlier]:
    """The complainant's complaints of the last ``REDRESS_REPEAT_WINDOW_DAYS``, newest first,
    each marked as a possible duplicate or not. One query (see ``contact_keys``)."""
    qs = earlier_queryset(
        queryset=queryset, phone=phone, email=email, id_number=id_number, exclude=exclude
    )
    if qs is None:
        return []
    rows = qs[:limit]
    now = timezone.now()
    duplicate_since = now - timedelta(days=settings.REDRESS_DUPLICATE_WINDOW_DAYS)
    category_id = getattr(category, "pk", category)
    return [
        Earlier(
            complaint=row,
            duplicate=(
                row.state in OPEN_STATES
                and row.received_at >= duplicate_since
                and (category_id is None or row.category_id in (None, category_id))
            ),
        )
        for row in rows
    ]


# ---------------------------------------------------------------------------------------------
# The public tracking page
# ---------------------------------------------------------------------------------------------

# What the complainant reads for each state: plain words, nothing about who handles it.
PUBLIC_STATUS = {
    State.RECEIVED: _("Received, awaiting a decision on acceptance"),
    State.CLASSIFIED: _("Accepted, being handled"),
    State.ASSIGNED: _("Accepted, being handled"),
    State.RESOLVED: _("Answered"),
    State.FOLLOWED_UP: _("Answered and followed up"),
    State.CLOSED: _("Closed"),
    State.REJECTED: _("Not accepted"),
    State.WITHDRAWN: _("Handling ended"),
}


def public_status(complaint: Complaint) -> str:
    if complaint.merged_into_id is not None:
        return str(_("Merged into another complaint of yours"))
    return str(PUBLIC_STATUS[complaint.state])


def public_replies(complaint: Complaint) -> QuerySet[Communication]:
    """What the organisation told the complainant and marked public; never internal records."""
    return complaint.communications.filter(
        public=True, direction=Communication.Direction.OUTBOUND
    ).only("occurred_at", "medium", "summary", "complaint_id")


def find_for_tracking(reference: str, *, code: str = "", contact: str = "") -> Complaint | None:
    """The complaint ``reference`` if the tracking code, or the phone/email it was filed with,
    matches; else None. Compared in constant time; the view rate-limits failures."""
    reference = (reference or "").strip().upper()
    if not reference or not (code or contact):
        return None
    complaint = (
        Complaint.objects.select_related("merged_into", "category")
        .filter(reference=reference)
        .first()
    )
    if complaint is None:
        return None
    if code:
        given = code.strip().upper().replace(" ", "").replace("-", "")
        return complaint if _same(given, complaint.tracking_code) else None
    phone, email = normalise_phone(contact), normalise_email(contact)
    if "@" in email and complaint.complainant_email_norm:
        return complaint if _same(email, complaint.complainant_email_norm) else None
    if len(phone) >= MIN_PHONE_DIGITS and complaint.complainant_phone_norm:
        return complaint if _same(phone, complaint.complainant_phone_norm) else None
    return None


def _same(given: str, expected: str) -> bool:
    # Bytes, because compare_digest refuses non-ASCII str (a 500 on a typo'd Chinese character).
    return hmac.compare_digest(given.encode(), expected.encode())
