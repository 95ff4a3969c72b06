"""Correspondence: every message to a complainant (email, text message, letter), the 话术库
templates they are written from, and the one outbox they all go through.

How to change correspondence:
- A new automatic notice: a ``Purpose`` choice in ``models``, the lifecycle action that sends
  it in ``signals.PURPOSE_FOR_ACTION`` (or send ``complainant_notice_requested`` with it), its
  own variables in ``services.notices.notice_extra``, and default templates in a data
  migration like ``0002_default_templates`` (staff edit them in the admin, not in code).
- A new template variable: ``rendering.VARIABLES`` and ``rendering.context_for``.
- A new channel: a ``Channel`` choice, who it reaches in ``services.channels``, how the worker
  hands it over in ``services.outbox._hand_over``. A new SMS gateway is just a backend class
  in ``sms/``, named by ``REDRESS_SMS_BACKEND``.
- A handler's messages: ``services.replies``. Nothing sends except the outbox's claimed send.
"""
