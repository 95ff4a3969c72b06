"""The satisfaction survey's signed links.

A link carries the complaint's id and its version when the survey was sent, signed and
timestamped (``django.core.signing``). It is good for ``REDRESS_SURVEY_DAYS`` days and while the
complaint has not changed since: once the complainant (or a handler) records the follow-up, the
version moves on and the link is used up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from complaints.models import Complaint

SALT = "redress.correspondence.survey"


@dataclass(frozen=True)
class SurveyToken:
    complaint_id: int
    version: int


def make_token(complaint: Complaint) -> str:
    return signing.dumps({"c": complaint.pk, "v": complaint.version}, salt=SALT, compress=True)


def link_for(complaint: Complaint) -> str:
    return f"{settings.REDRESS_PUBLIC_BASE_URL}/survey/{make_token(complaint)}/"


def read_token(token: str) -> SurveyToken | None:
    """The token's content, or None when it is forged, malformed or older than the limit."""
    try:
        data = signing.loads(token, salt=SALT, max_age=settings.REDRESS_SURVEY_DAYS * 86400)
        return SurveyToken(complaint_id=int(data["c"]), version=int(data["v"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
