"""Staff notices about responsibility contests (责任认定申诉), through the notice outbox.

Connected in ``EscalationConfig.ready``: the core sends ``complaints.accountability.
contest_changed`` and this module writes the ``Notice`` rows, as it does for escalations.

- contested: the people who decide are told (the responsible department's manager, else the
  general manager's office);
- decided: the person named in the finding is told the decision.

A reaction only: whether a contest may be made or decided is the core's service's rule
(``complaints.accountability``); ``deciders`` only chooses who is told.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver

from complaints.accountability import CONTESTED, DECIDED, contest_changed
from complaints.people import display_name
from escalation import notify


def deciders(complaint, contested_by) -> list[str]:
    """Notice roles for whoever decides a contest on ``complaint``: the responsible department's
    manager, or the general manager's office when the department names none, or when the
    manager is the one contesting (who never decides their own contest)."""
    department = complaint.responsible_department
    manager = department.manager if department is not None else None
    if manager is not None and manager.is_active and manager.pk != contested_by.pk:
        return [notify.user_role(manager)]
    return [notify.GM]


@receiver(contest_changed, dispatch_uid="escalation.contest_notices")
def notify_contest(sender, contest, complaint, event, by, **kwargs) -> None:
    if event == CONTESTED:
        notify.create(
            kind="contest-made",
            complaint=complaint,
            roles=deciders(complaint, by),
            key=f"contest:{contest.pk}:made",
            context={
                "contested_by": display_name(by),
                "grounds": contest.reason,
                "contests_link": _link("/accountability/contests/"),
            },
            actor=by,
        )
    elif event == DECIDED:
        notify.create(
            kind="contest-decided",
            complaint=complaint,
            roles=[f"user:{contest.contested_by_id}"],
            key=f"contest:{contest.pk}:decided",
            context={
                "decided_by": display_name(by),
                "overturned": contest.outcome == contest.Outcome.OVERTURNED,
                "note": contest.decision_note,
                "mine_link": _link("/accountability/mine/"),
            },
            actor=by,
        )


def _link(path: str) -> str:
    return settings.ESCALATION_SITE_URL.rstrip("/") + path
