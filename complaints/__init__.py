"""The core of Redress: the complaint, its lifecycle, who may see and do what.

The core imports no other app (ARCHITECTURE.md); the other apps import it, receive its
signals (``complaints.signals``) and add to its pages through its registries
(``complaints.panels``, ``complaints.queues``, ``complaints.deadline_flags``).

How to change the core
----------------------

A lifecycle move
    The ``@transition`` method on ``Complaint`` (``complaints.models``): ``source``,
    ``target``, ``conditions=`` and ``permission=`` from ``complaints.rules``; its body sets
    only the milestone that goes with the move. Its words are one ``Action`` row in
    ``complaints.actions``. Its writer is one keyword-only service in ``complaints.services``
    running the lifecycle pipeline (lock, version, state, permission, conditions, save,
    signals), listed in ``services.TRANSITIONS``; its input is a form in
    ``forms.TRANSITION_FORMS`` and a serializer in ``api.serializers.TRANSITION_SERIALIZERS``
    under the same name, so the staff page, the admin button and the API action follow. Test it
    with a table over every source state (``tests/complaints``).

A field of the complaint
    The column on ``Complaint`` with its migration (a non-null column in three steps: nullable,
    filled by ``RunPython``, then non-null); the history table gets it too (simple-history),
    and ``complaints.history`` compares it like every other field. An index only for a query that
    needs it, named and commented with that query. Set at intake: ``services.REGISTRATION_FIELDS``
    and intake's forms; corrected later: ``services.EDITABLE_FIELDS`` (``update_details``);
    set by a move: the move's service. Then the forms, ``api.serializers``, the admin and,
    where staff read it, the templates and exports.

A permission
    A codename in ``Complaint.Meta.permissions``, given to the tier groups by a data
    migration (as ``migrations/0002_tier_groups`` does), and checked in one ``may_*`` function
    of ``complaints.rules`` that combines it with the object rule (``handles``). A transition
    names that function as ``permission=``, and the services check it through django-fsm.

Who sees which complaints
    Only ``selectors.complaints_visible_to`` (and ``get_complaint_for`` on top of it); keep
    ``rules.handles`` in step with it. A new surface starts from it.

A filter of the complaint list
    A filter on ``filters.ComplaintFilter``, served by an index of ``Complaint`` named beside
    it (the list stays fast over a million rows); the API's list has its own filterset in
    ``api.filters``. Saved views keep only the filterset's known parameters, so a new filter is
    saved with them; a new column of the list goes in ``saved_views.COLUMNS``. Add a work
    queue in ``complaints.queues`` instead when it is a standing "my work" list.
"""
