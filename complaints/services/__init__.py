"""Every write to a complaint, one function per action.

The one way a write goes::

    view / API action / admin action / task / command
      → a service here (``classify(complaint, by=user, ...)``)
        → the ``@transition`` method on ``Complaint`` (``complaints.models.complaint``)
          → the history row (simple-history, with the acting user, the reason and the action)
            → the signals (``complaints.signals``), on which other apps react

Views, admin actions, API endpoints, management commands and tasks call these and nothing else.
Each lifecycle service runs ``pipeline._perform``, which:

1. opens a transaction and re-reads the row under a row lock (``complaints.locking.lock``), so
   two writers queue instead of interleaving;
2. refuses a stale copy: the caller's ``version`` (or ``expected_version``) must match the row,
   otherwise ``StaleComplaint`` (409): nobody's intent is silently overwritten;
3. refuses a move the state machine does not allow from the current state (409), a user whose
   tier or relation to the complaint does not permit it (403), and a missing condition (409,
   with the condition's own message);
4. applies the action's fields, calls the ``@transition`` method and bumps the version;
5. sends ``complaint_changing`` (receivers set derived columns: the escalation app's due
   times), saves with the acting user, the reason and the action name on the history row, and
   sends ``complaint_changed`` so other apps (notifications, deadlines) can react.

Anything raised rolls the whole transaction back: nothing half-written is saved.

The modules, by concern:

- ``errors``: the refusals (``ServiceError`` and its kinds, each with its HTTP status);
- ``pipeline``: the steps above (``_perform``, ``_move``, ``_check_version``,
  ``_announce_and_save``, ``_save``) and the bulk save (``_save_many``);
- ``registration``: ``register``, ``register_once``, references, tracking codes, normalised
  contact keys;
- ``lifecycle``: ``classify``, ``reject``, ``resolve``, ``follow_up``, ``reopen``, ``close``,
  ``withdraw``, ``record_survey_answer``, and ``TRANSITIONS`` (the actions by name);
- ``assignment``: ``assign``, routing to the department's handler, ``escalate``,
  ``escalate_many``;
- ``remedies``: ``approve_remedy`` and the authority check ``resolve`` makes;
- ``deadlines``: ``set_deadlines``, ``set_deadlines_many`` (the escalation app's writes);
- ``records``: notes, communications, attachments, ``update_details``, ``change_priority``,
  ``merge``, ``link_repeat``;
- ``staff``: ``set_staff_profile``.

Every name is re-exported here: callers write ``services.classify(...)`` or ``from
complaints.services import ActionForbidden``, never a module path.

How to add a lifecycle action:

1. add the ``@transition`` method to ``Complaint`` (source, target, ``conditions=`` and
   ``permission=`` from ``complaints.rules``; the body sets only its milestone);
2. add its ``Action`` row (name, title, and the words of a refusal) to ``complaints.actions``
   (and its name to ``actions.SYSTEM_ACTIONS`` if the SLA sweep runs it with no user);
3. write its service in ``lifecycle`` (or the module of its concern): keyword-only, with
   ``by``, calling ``_perform(complaint, action=..., by=by, reason=..., changes={...},
   expected_version=...)``, with a docstring listing preconditions, side effects and the
   history row; re-export it below and add it to ``TRANSITIONS`` if a surface dispatches on
   its name;
4. a form or serializer for its input, a thin view or API action calling the service, and a
   parametrized test over every source state.
"""

from __future__ import annotations

from complaints.services.assignment import (
    BulkOutcome,
    _route_to_handler,
    assign,
    escalate,
    escalate_many,
)
from complaints.services.deadlines import DEADLINE_FIELDS, set_deadlines, set_deadlines_many
from complaints.services.errors import (
    ActionForbidden,
    ApprovalRequired,
    InvalidInput,
    ServiceError,
    StaleComplaint,
    TransitionRefused,
)
from complaints.services.lifecycle import (
    SURVEY_OUTCOMES,
    TRANSITIONS,
    available_transitions,
    classify,
    close,
    follow_up,
    record_survey_answer,
    reject,
    reopen,
    resolve,
    withdraw,
)
from complaints.services.pipeline import (
    _announce_and_save,
    _check_version,
    _move,
    _perform,
    _save,
    _save_many,
)
from complaints.services.records import (
    EDITABLE_FIELDS,
    add_attachment,
    add_note,
    change_priority,
    link_repeat,
    log_communication,
    merge,
    update_details,
)
from complaints.services.registration import (
    REGISTRATION_FIELDS,
    normalise_contacts,
    normalise_email,
    normalise_id,
    normalise_phone,
    register,
    register_once,
)
from complaints.services.remedies import approve_remedy
from complaints.services.staff import TIER_GROUPS, set_staff_profile

__all__ = [
    # errors
    "ActionForbidden",
    "ApprovalRequired",
    "InvalidInput",
    "ServiceError",
    "StaleComplaint",
    "TransitionRefused",
    # the pipeline (private: for the core's own services, e.g. complaints.refusal_appeals)
    "_announce_and_save",
    "_check_version",
    "_move",
    "_perform",
    "_save",
    "_save_many",
    # registration
    "REGISTRATION_FIELDS",
    "normalise_contacts",
    "normalise_email",
    "normalise_id",
    "normalise_phone",
    "register",
    "register_once",
    # the lifecycle
    "SURVEY_OUTCOMES",
    "TRANSITIONS",
    "available_transitions",
    "classify",
    "close",
    "follow_up",
    "record_survey_answer",
    "reject",
    "reopen",
    "resolve",
    "withdraw",
    # assignment and escalation
    "BulkOutcome",
    "_route_to_handler",
    "assign",
    "escalate",
    "escalate_many",
    # remedies
    "approve_remedy",
    # deadlines
    "DEADLINE_FIELDS",
    "set_deadlines",
    "set_deadlines_many",
    # records
    "EDITABLE_FIELDS",
    "add_attachment",
    "add_note",
    "change_priority",
    "link_repeat",
    "log_communication",
    "merge",
    "update_details",
    # staff
    "TIER_GROUPS",
    "set_staff_profile",
]
