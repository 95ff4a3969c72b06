"""Contesting a responsibility finding (责任认定申诉): the services and the reads they need.

At resolution a substantiated complaint may name a responsible person and a finding
(``Complaint.responsible_person``, ``responsibility_finding``, ``responsibility_found_at``).
The person named may contest it once (``ResponsibilityContest`` is one-to-one with the
complaint), within ``settings.REDRESS_CONTEST_DAYS`` calendar days of the finding; a manager of
the responsible department, or the general manager, decides, never the person named.

Other apps learn of a contest through ``contest_changed`` (the escalation app mails the people
who decide, and tells the person the decision, through its notice outbox); the core imports none
of them.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints import rules
from complaints.locking import lock
from complaints.models import Complaint, ResponsibilityContest
from complaints.selectors import complaints_visible_to
from complaints.services import ActionForbidden, TransitionRefused

Outcome = ResponsibilityContest.Outcome

# Sent inside the service's transaction after a contest was made or decided. kwargs: contest,
# complaint, event ("contested" or "decided"), by (the acting user). Receivers only enqueue.
contest_changed = Signal()

CONTESTED, DECIDED = "contested", "decided"


class ContestRefused(TransitionRefused):
    """The finding cannot be contested, or the contest decided, in its current state (409)."""


# --- rules ---------------------------------------------------------------------------------------


def contest_deadline(complaint: Complaint) -> dt.datetime | None:
    """The last moment the named person may contest: REDRESS_CONTEST_DAYS calendar days after
    the finding was recorded (None when there is no finding)."""
    if complaint.responsibility_found_at is None:
        return None
    return complaint.responsibility_found_at + dt.timedelta(days=settings.REDRESS_CONTEST_DAYS)


def contest_refusal(complaint: Complaint, user, *, now: dt.datetime | None = None):
    """Why ``user`` may not contest the finding on ``complaint`` now (a message), else None.

    Reads ``complaint.responsibility_contest`` (one query unless already joined)."""
    if complaint.responsible_person_id is None or complaint.responsibility_found_at is None:
        return ActionForbidden(_("This complaint names no responsible person."))
    if user is None or complaint.responsible_person_id != user.pk:
        return ActionForbidden(_("Only the person named in the finding may contest it."))
    if contest_of(complaint) is not None:
        return ContestRefused(_("This finding has already been contested; it can be only once."))
    if (now or timezone.now()) > contest_deadline(complaint):
        return ContestRefused(
            _("The time to contest this finding ended on %(deadline)s.")
            % {"deadline": timezone.localtime(contest_deadline(complaint)).strftime("%Y-%m-%d")}
        )
    return None


def may_contest(complaint: Complaint, user) -> bool:
    return contest_refusal(complaint, user) is None


def may_decide(contest: ResponsibilityContest, user) -> bool:
    """A manager of the responsible department, or the general manager; never the person
    named or the one who contested, never an auditor."""
    complaint = contest.complaint
    if user is None or not user.is_active:
        return False
    if user.pk in (contest.contested_by_id, complaint.responsible_person_id):
        return False
    tier = rules.tier_of(user)
    if tier == rules.GM:
        return True
    return (
        tier == rules.MANAGER
        and complaint.responsible_department_id is not None
        and rules.department_id_of(user) == complaint.responsible_department_id
    )


def contest_of(complaint: Complaint) -> ResponsibilityContest | None:
    """The complaint's contest, or None (no query when ``findings_about`` joined it)."""
    try:
        return complaint.responsibility_contest
    except ResponsibilityContest.DoesNotExist:
        return None


# --- services ------------------------------------------------------------------------------------


def contest(complaint: Complaint, *, by, reason: str) -> ResponsibilityContest:
    """The named person contests the responsibility finding on ``complaint``.

    Preconditions: ``by`` is the complaint's responsible person, the finding has not been
    contested, and REDRESS_CONTEST_DAYS have not passed since it was recorded (ActionForbidden
    403, ContestRefused 409). Writes the contest row with its history (acting user, the grounds
    as the change reason) and sends ``contest_changed`` (the deciding managers are told).
    The complaint row is not changed.
    """
    with transaction.atomic():
        # Lock the complaint: two contests racing queue here, the second sees the first.
        locked = lock(complaint)
        refusal = contest_refusal(locked, by)
        if refusal is not None:
            raise refusal
        row = ResponsibilityContest(
            complaint=locked, contested_by=by, contested_at=timezone.now(), reason=reason
        )
        row._history_user = by
        row._change_reason = reason
        row._history_transition = "contest_responsibility"
        try:
            with transaction.atomic():
                row.save(force_insert=True)
        except IntegrityError as exc:  # the one-to-one: contested meanwhile (unreachable)
            raise ContestRefused(_("This finding has already been contested.")) from exc
        contest_changed.send(
            sender=ResponsibilityContest, contest=row, complaint=locked, event=CONTESTED, by=by
        )
    return row


def decide_contest(
    contest: ResponsibilityContest, *, by, outcome: str, note: str
) -> ResponsibilityContest:
    """A manager of the responsible department (or the general manager) decides a contest.

    Preconditions: the contest is undecided (ContestRefused 409) and ``by`` may decide it
    (``may_decide``, else ActionForbidden 403). Upheld: the finding stands. Overturned: the
    complaint's responsible person and finding are cleared, in one save of the complaint whose
    history row carries the decider and the note (action ``overturn_responsibility``); the
    responsible department stays. The contest row's history records the decision. Sends
    ``contest_changed`` (the person is told).
    """
    if outcome not in Outcome.values:
        raise ValueError(outcome)
    with transaction.atomic():
        # The complaint first, then the contest, as ``contest`` does (it locks the complaint
        # before writing the contest). An unsaved stand-in carries the complaint's id: no query
        # to fetch it before the lock.
        complaint = lock(Complaint(pk=contest.complaint_id))
        locked = lock(contest, no_key=False)
        locked.complaint = complaint
        if locked.decided_at is not None:
            raise ContestRefused(_("This contest has already been decided."))
        if not may_decide(locked, by):
            raise ActionForbidden(
                _(
                    "Only a manager of the responsible department or the general manager may "
                    "decide this contest, and never the person it names."
                )
            )
        locked.outcome = outcome
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decision_note = note
        locked._history_user = by
        locked._change_reason = note
        locked._history_transition = "decide_contest"
        locked.save(update_fields=["outcome", "decided_by", "decided_at", "decision_note"])
        if outcome == Outcome.OVERTURNED:
            _clear_finding(complaint, by=by, note=note)
        contest_changed.send(
            sender=ResponsibilityContest, contest=locked, complaint=complaint, event=DECIDED, by=by
        )
    return locked


def _clear_finding(complaint: Complaint, *, by, note: str) -> None:
    complaint.responsible_person = None
    complaint.responsibility_finding = ""
    complaint.version += 1
    complaint._history_user = by
    complaint._change_reason = note
    complaint._history_transition = "overturn_responsibility"
    complaint.save(
        update_fields=["responsible_person", "responsibility_finding", "version", "updated_at"]
    )


# --- reads ---------------------------------------------------------------------------------------


def findings_about(user) -> QuerySet[Complaint]:
    """The complaints whose responsibility finding names ``user``, newest first.

    Served by cmp_resp_person_resolved_idx (responsible_person, resolved_at)."""
    if user is None or not user.is_authenticated:
        return Complaint.objects.none()
    return (
        Complaint.objects.filter(responsible_person=user, responsibility_found_at__isnull=False)
        .select_related("responsible_department", "responsibility_contest__decided_by")
        .order_by("-resolved_at", "-pk")
    )


def contests_visible_to(user) -> QuerySet[ResponsibilityContest]:
    """Contests ``user`` may read: the GM and auditors all; a manager those about their
    department's complaints or findings; anyone their own contests."""
    qs = ResponsibilityContest.objects.select_related(
        "complaint",
        "complaint__responsible_department",
        "complaint__responsible_person",
        "contested_by",
        "decided_by",
    )
    tier = rules.tier_of(user)
    if tier in (rules.GM, rules.AUDITOR):
        return qs
    if user is None or not user.is_authenticated:
        return qs.none()
    mine = Q(contested_by_id=user.pk)
    if tier == rules.MANAGER:
        dept = rules.department_id_of(user)
        return qs.filter(
            mine | Q(complaint__responsible_department_id=dept) | Q(complaint__department_id=dept)
        )
    return qs.filter(mine)


def contests_to_decide(user) -> QuerySet[ResponsibilityContest]:
    """Undecided contests ``user`` may decide, oldest first (contest_undecided_idx)."""
    qs = contests_visible_to(user).filter(decided_at__isnull=True).order_by("contested_at", "pk")
    tier = rules.tier_of(user)
    if tier == rules.GM:
        return qs.exclude(contested_by_id=user.pk)
    if tier == rules.MANAGER:
        return qs.filter(complaint__responsible_department_id=rules.department_id_of(user)).exclude(
            contested_by_id=user.pk
        )
    if tier == rules.AUDITOR:
        return qs  # read only: the page shows no forms to an auditor
    return qs.none()


def complaint_for_contest(user, reference: str) -> Complaint:
    """The complaint ``reference`` if the user may see it or is named in its finding (404
    otherwise: never reveal that it exists)."""
    from django.http import Http404

    visible = complaints_visible_to(user).filter(reference=reference)
    named = Complaint.objects.filter(reference=reference, responsible_person_id=user.pk)
    complaint = (visible | named).select_related("responsibility_contest").first()
    if complaint is None:
        raise Http404(reference)
    return complaint
