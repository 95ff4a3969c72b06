"""The staff workspace: dashboards by tier, the complaint list, the complaint page and the
forms that change a complaint.

- ``lists``: the dashboards, the complaint list, its export and bulk actions, the jump box;
- ``detail``: the complaint page and every form posted from it;
- ``timeline``: the page's timeline and what changed since a stale copy;
- ``modal_forms``: the page's modal forms and their HTML (kept per process).

Views are thin: they fetch through the one visibility function (``selectors``), validate a
form, call one service, then redirect (success) or render the complaint page again with a
message and the form as it was posted (failure). ``complaints.urls`` names them here.
"""

from complaints.views.detail import (
    add_attachment,
    add_note,
    assign_to_me,
    complaint_detail,
    download_attachment,
    log_communication,
    transition,
)
from complaints.views.lists import (
    DASHBOARDS,
    bulk_action,
    complaint_list,
    dashboard,
    export_list,
    jump,
    reference_from,
)

__all__ = [
    "DASHBOARDS",
    "add_attachment",
    "add_note",
    "assign_to_me",
    "bulk_action",
    "complaint_detail",
    "complaint_list",
    "dashboard",
    "download_attachment",
    "export_list",
    "jump",
    "log_communication",
    "reference_from",
    "transition",
]
