"""The coded root cause (溯源) and the responsibility finding (责任认定) recorded at resolution.

One set of rules, used by the resolve form, the API's resolve serializer and ``services.resolve``
itself (so the admin, commands and any other caller are held to them too):

- a substantiated complaint needs a coded cause; an unsubstantiated one may have one;
- the cause is a finer (second-level) cause, and active;
- a substantiated complaint has a responsible department (the service defaults it to the
  department complained about, else the handling department);
- a responsible person is optional, must be an active staff login, and needs a finding;
- an unsubstantiated complaint names nobody: a person or a finding is refused.
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Department, RootCause

# A cause's code is a slug (RootCause.code). Anything else is no code: never sent to the
# database (a NUL byte in a query parameter would be an error there, not a miss).
CODE_RE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def by_code(code: object) -> RootCause | None:
    """The cause with this code (any level, active or not), or None."""
    if not isinstance(code, str) or not CODE_RE.fullmatch(code):
        return None
    return RootCause.objects.select_related("parent").filter(code=code).first()


def choosable_causes() -> QuerySet[RootCause]:
    """The causes a handler may choose: active finer causes of an active top-level cause."""
    return RootCause.objects.filter(
        active=True, parent__isnull=False, parent__active=True
    ).select_related("parent")


def catalogue() -> QuerySet[RootCause]:
    """Every cause, each top-level one followed by its finer causes (the list filter)."""
    return RootCause.objects.select_related("parent").order_by(
        Coalesce("parent__code", "code"), F("parent").asc(nulls_first=True), "name"
    )


def active_staff() -> QuerySet:
    """People who may be named responsible: active logins with a handling staff profile."""
    return (
        get_user_model()
        .objects.filter(is_active=True, staff_profile__tier__in=["frontline", "manager", "gm"])
        .order_by("first_name", "last_name", "username")
    )


def cause_problem(cause: RootCause | None) -> str | None:
    """Why ``cause`` cannot be chosen, or None."""
    if cause is None:
        return None
    if cause.parent_id is None:
        return str(
            _("%(cause)s is a top-level cause: choose one of its finer causes.") % {"cause": cause}
        )
    if not cause.active or not cause.parent.active:
        return str(_("%(cause)s is no longer in use: choose an active cause.") % {"cause": cause})
    return None


def resolution_problems(
    *,
    substantiated: bool | None,
    cause: RootCause | None,
    responsible_person=None,
    responsibility_finding: str = "",
) -> dict[str, str]:
    """``{field: message}`` for every rule above that the values break (empty when none)."""
    problems: dict[str, str] = {}
    if problem := cause_problem(cause):
        problems["cause"] = problem
    elif cause is None and substantiated:
        problems["cause"] = str(_("A substantiated complaint needs a coded root cause."))
    finding = (responsibility_finding or "").strip()
    if not substantiated:
        if responsible_person is not None:
            problems["responsible_person"] = str(
                _("Only a substantiated complaint names a responsible person.")
            )
        if finding:
            problems["responsibility_finding"] = str(
                _("Only a substantiated complaint records a responsibility finding.")
            )
        return problems
    if responsible_person is not None:
        if not active_staff().filter(pk=responsible_person.pk).exists():
            problems["responsible_person"] = str(
                _("The responsible person must be an active member of staff.")
            )
        elif not finding:
            problems["responsibility_finding"] = str(
                _("Write the finding that names the responsible person.")
            )
    return problems


def default_department(complaint: Complaint) -> Department | None:
    """The unit held responsible when the handler names none: the department complained
    about (被投诉部门), else the department that handled the complaint."""
    return complaint.subject_department or complaint.department


def cause_q(code: str) -> Q:
    """Complaints whose coded cause is ``code``, or a finer cause of it when ``code`` is a
    top-level cause. The cause ids come from the small catalogue (a subquery), so the
    complaints themselves are read through ``cmp_cause_resolved_idx``."""
    if not CODE_RE.fullmatch(code):
        return Q(pk__in=[])
    ids = RootCause.objects.filter(Q(code=code) | Q(parent__code=code)).values("pk")
    return Q(cause_id__in=ids)
