"""Escalation: SLA policies, the working-day calendar, deadlines, the sweep that escalates
missed ones, escalation by hand, clock pauses, extensions, remedy approvals, and the staff
notices they send.

How a change flows: a view, admin action, API call or task calls a service here
(``escalation.services``) or in the core (``complaints.services.escalate``); the service
locks the complaint (``complaints.locking``), checks who acts and whether the move is
allowed, and saves through the core, which sends ``complaint_changing``/``complaint_changed``.
``escalation.signals`` reacts: it derives the due-time columns (``deadlines``), writes the
``Escalation`` record (why: the ``EscalationContext`` the caller passed as ``context=``,
``escalation.records``) and writes notices. Receivers never refuse a move.

How to change escalation
------------------------
- A new SLA rule (a target, its unit, when its clock starts): a field on ``SlaPolicy``
  (``models/policies.py``: ``TARGETS``, ``DEFAULT_STARTS``, a migration), how its due time is
  computed (``deadlines.py``: ``TARGET_COLUMNS``/``COLUMNS``, ``running``, ``apply``) and the
  column on ``complaints.Complaint`` that stores it. ``rulebook.py`` loads policies for every
  reader; the deadlines page lists it (``selectors.deadline_board``). A rule that may refuse a
  move is a check in the service that makes the move (e.g. the sweep's
  ``refuse_if_no_longer_due``, passed as ``check=`` to ``escalate_many``), never a receiver.
- A new notice: call ``notify.create(kind=..., complaint=..., roles=[...], key=...)`` in the
  service that makes the change, or in ``signals.py`` when it reacts to a core move; add
  ``templates/emails/escalation-<kind>-subject.txt`` and ``-body.txt`` (``-body.html``
  optional). Roles resolve to people when the mail is sent. Every notice written in one
  transaction goes out in one task after commit; the sweeps send a whole run's in one task
  (``notify.take_queued``/``queue_as_one``).
- A new trigger (a reason the sweep escalates): a ``Trigger`` choice
  (``models/escalations.py``), its running deadline in ``deadlines.running`` (the sweep's
  ``identify`` finds it there), what must still hold under the row lock in
  ``sweep.refuse_if_no_longer_due``, and its wording in the notice templates.
- A new manual action on a complaint (like a pause): a module or function in
  ``escalation/services/`` that locks, checks (``common.require_handler``) and writes through
  ``complaints.services``; a thin view in ``views.py`` that fetches the complaint through
  ``complaints.selectors.get_complaint_for``. Lists read through ``selectors.py``, which starts
  from ``complaints_visible_to(user)``.
"""
