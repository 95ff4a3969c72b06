"""The satisfaction survey's signed links.

A link carries the complaint's id and its version when the survey was sent, signed and
timestamped (``django.core.signing``). It is good for ``REDRESS_SURVEY_DAYS`` days and while the
complaint has not changed since: once the complainant (or a handler) records the follow-up, the
version moves on and the link is used up.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, State

SALT = "redress.correspondence.survey"


@dataclass(frozen=True)
class SurveyToken:
    complaint_id: int
    version: int


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def make_token(complaint: Complaint) -> str:
    # "<id>-<version>:<timestamp>:<signature>", about 60 characters: short enough that the
    # survey's text message stays within two segments.
    return _signer().sign(f"{complaint.pk}-{complaint.version}")


def link_for(complaint: Complaint) -> str:
    return f"{settings.REDRESS_PUBLIC_BASE_URL}/survey/{make_token(complaint)}/"


def read_token(token: str) -> SurveyToken | None:
    """The token's content, or None when it is forged, malformed or older than the limit."""
    try:
        value = _signer().unsign(token, max_age=settings.REDRESS_SURVEY_DAYS * 86400)
        complaint_id, version = value.split("-")
        return SurveyToken(complaint_id=int(complaint_id), version=int(version))
    except (signing.BadSignature, TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# The public page's reads and its one write
# ---------------------------------------------------------------------------------------------


class SurveyClosed(Exception):
    """The link cannot be answered: used, expired, forged, malformed, or the complaint moved on.

    The page says the same thing whatever the cause, so a visitor learns nothing about the
    complaint (or whether one exists) from a link that does not work."""


def open_complaint(token: str) -> Complaint | None:
    """The complaint a link may still be answered for, or None.

    Open means: the token is genuine and younger than REDRESS_SURVEY_DAYS, and the complaint is
    still resolved at the version the link was sent at. A follow-up already recorded (through
    the survey or by a handler's call), a reopening, a correction of its details: any of them
    bumps the version and uses the link up."""
    data = read_token(token)
    if data is None:
        return None
    return Complaint.objects.filter(
        pk=data.complaint_id, version=data.version, state=State.RESOLVED
    ).first()


def answer(token: str, *, outcome: str, comment: str = "") -> Complaint:
    """Record the complainant's answer as the follow-up (``record_survey_answer``); a
    dissatisfied answer reopens the complaint for its handler.

    Raises SurveyClosed when the link cannot be answered, including the second of two
    submissions racing each other (two tabs, a double click): the first bumps the version under
    the row lock and the second finds it stale, so there is never a second follow-up."""
    data = read_token(token)
    if data is None:
        raise SurveyClosed
    complaint = Complaint.objects.filter(pk=data.complaint_id).first()
    if complaint is None:
        raise SurveyClosed
    try:
        return services.record_survey_answer(
            complaint, outcome=outcome, comment=comment, expected_version=data.version
        )
    except (services.StaleComplaint, services.TransitionRefused) as exc:
        raise SurveyClosed from exc


# ---------------------------------------------------------------------------------------------
# What the staff see of it
# ---------------------------------------------------------------------------------------------


class Stage:
    WAITING = "waiting"
    UNANSWERED = "unanswered"
    ANSWERED = "answered"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class SurveyStatus:
    stage: str
    sent_at: datetime.datetime
    expires_at: datetime.datetime
    answered_at: datetime.datetime | None = None


def status_for(
    complaint: Complaint, *, now: datetime.datetime | None = None
) -> SurveyStatus | None:
    """Where the latest survey sent for ``complaint`` stands, or None if none was sent.

    A survey was sent when the outbox holds a survey Message for the complaint that reached the
    gateway (sent or delivered); its link was signed when the message was queued, so it expires
    REDRESS_SURVEY_DAYS after ``created_at``. It was answered when a follow-up history row
    without a staff user (only ``record_survey_answer`` writes one) follows that message. Two
    indexed queries at most (message_complaint_idx, the history table's id index)."""
    from correspondence.models import Message, Purpose

    if complaint.resolved_at is None:
        return None  # never resolved, so never surveyed: no query for most complaints
    message = (
        Message.objects.filter(
            complaint=complaint,
            purpose=Purpose.SURVEY,
            status__in=[Message.Status.SENT, Message.Status.DELIVERED],
        )
        .only("created_at", "sent_at", "event_version")
        .order_by("-created_at", "-id")
        .first()
    )
    if message is None:
        return None
    sent_at = message.sent_at or message.created_at
    expires_at = message.created_at + datetime.timedelta(days=settings.REDRESS_SURVEY_DAYS)
    answered_at = (
        Complaint.history.filter(
            id=complaint.pk,
            history_transition="follow_up",
            history_user__isnull=True,
            history_date__gte=message.created_at,
        )
        .order_by("history_date")
        .values_list("history_date", flat=True)
        .first()
    )
    if answered_at is not None:
        stage = Stage.ANSWERED
    elif complaint.state != State.RESOLVED or complaint.version != message.event_version:
        # Followed up by a call, or the complaint moved on: the link is used up unanswered.
        stage = Stage.SUPERSEDED
    elif (now or timezone.now()) < expires_at:
        stage = Stage.WAITING
    else:
        stage = Stage.UNANSWERED
    return SurveyStatus(
        stage=stage, sent_at=sent_at, expires_at=expires_at, answered_at=answered_at
    )
