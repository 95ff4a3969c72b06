"""Improvement: corrective and preventive actions (CAPA, 纠正预防措施) on coded root causes,
their lifecycle, and the sweep that escalates overdue ones.

How to change improvement:
- A new corrective-action move: its ``@transition`` on ``models.CorrectiveAction`` (source,
  target, conditions and permission from ``rules``; a new permission goes in ``Meta`` and the
  tier groups), its words in ``models.MOVES``, its service in ``services.TRANSITIONS`` (a
  thin call of ``services._transition``), its form in ``forms.TRANSITION_FORMS`` and its
  serializer in ``api.TRANSITION_SERIALIZERS``. Page, admin and API follow these tables;
  ``tests/improvement/test_moves.py`` checks they agree.
- Who may do what: ``rules``, nowhere else. Another write (edit, link): a service that locks
  the row (``complaints.locking``), checks the version and saves the columns it changed.
- Reads: ``selectors`` (which actions a user sees follows ``complaints_visible_to``).
"""
