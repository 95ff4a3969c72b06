"""Intake: getting complaints in (staff form, public form and tracking page, email, Open311,
transfers from a regulator or hotline platform) and spotting the complainant's earlier ones.

How to change intake:
- A new channel: add it to ``complaints.models.Channel``, read its input in a module of its own
  here (a form, a serializer or a parser, as ``mail.py``, ``open311.py`` and ``transfers.py``
  do) and register through ``intake.services.register``. Give it an ``idempotency_key`` scoped
  to the sender if the sender may retry; the ``created`` it returns says whether to answer
  "new" or "already had" (files and merges are applied only when created).
- Duplicate and repeat detection: ``intake.selectors.earlier_complaints`` (normalised phone,
  email and ID within the settings' windows); the staff form links or merges at registration,
  ``views.duplicates`` later (``complaints.services.merge`` / ``link_repeat``).
- Acknowledgements are not sent here: the core announces "register" on ``complaint_changed``
  and correspondence (``correspondence/signals.py``) queues the notice in its one outbox.
"""
