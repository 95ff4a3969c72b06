"""Every unit's complaint handler (各单位应指定一名投诉处理人员).

When a complaint is accepted (classified) into a department, without a handler of its own, it goes
to the department's named complaint handler first: ``services.classify`` assigns it in the same
transaction, as a second history row ("assign", reason "Routed to the department's complaint
handler"). Classification is the point because it is where the department is decided (受理);
registration only guesses it, and an unaccepted complaint may still be refused or moved.

Not routed (it waits in the department's queue as before) when the department's switch
``route_to_handler`` is off, it names no handler, the handler is inactive or no longer staff of
the department, is the person complained about (the person complained about never handles their
own case), or is of a lower tier than the complaint (an escalated or major complaint stays with
managers).
"""

from __future__ import annotations

from complaints import rules
from complaints.models import TIER_ORDER, Complaint


def handler_for(complaint: Complaint):
    """The department's complaint handler who should receive ``complaint`` now, or None."""
    if complaint.assignee_id is not None or complaint.department_id is None:
        return None
    department = complaint.department
    if not department.route_to_handler or department.complaint_handler_id is None:
        return None
    handler = department.complaint_handler
    if not handler.is_active or handler.pk == complaint.subject_person_id:
        return None
    profile = rules.staff_profile(handler)
    if profile is None or profile.tier not in TIER_ORDER:
        return None  # auditors and plain accounts handle nothing
    if profile.tier != rules.GM and profile.department_id != complaint.department_id:
        return None
    if TIER_ORDER.index(profile.tier) < TIER_ORDER.index(complaint.tier):
        return None
    return handler
