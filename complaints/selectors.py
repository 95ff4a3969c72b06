"""Reads that carry a rule. ``complaints_visible_to`` is the one visibility function: the admin,
staff views, API, exports, history views and reports all start from it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from complaints import rules
from complaints.models import Complaint, State


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
