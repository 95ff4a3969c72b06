"""Writing to the complainant: every message, automatic or written by a handler, goes through
here and through the one outbox (``Message``).

INTERFACE CONTRACT (filled in by the outbox work; the reply page, the API, the survey and the
letters call exactly these):

- ``best_channel(complaint) -> tuple[str, str] | None``: (channel, recipient) for an automatic
  notice: the complainant's stated preference if it can be used, else email, else SMS (E.164,
  not opted out), else a letter to the postal address; None when no channel exists.
- ``channels_for(complaint) -> dict[str, str]``: every usable channel → recipient (the reply
  dialog offers these).
- ``preview(complaint, *, by, channel, purpose=Purpose.REPLY, template=None, subject="",
  body="", extra=None) -> rendering.Rendered``: what would be sent, nothing written. With a
  template, its subject/body are used unless ``subject``/``body`` are given (the handler edited
  the text). Raises ValidationError for an unknown variable, ActionForbidden if ``by`` may not
  write to this complaint, ValueError-like ValidationError if the channel is unusable.
- ``send_reply(complaint, *, by, channel, key, purpose=Purpose.REPLY, template=None,
  subject="", body="", extra=None, urgent=False) -> Message``: queue a handler's message.
  ``key`` is the idempotency key of the form submission (a second submit with the same key
  returns the first Message). Writes the Message, a Communication (outbound, medium = channel)
  on the timeline with its history row, and queues the send after commit. A letter is rendered
  to PDF, attached to the complaint and left TO_POST for the handler.
- ``notify(complaint, *, purpose, key, extra=None) -> Message | None``: an automatic notice by
  the best channel (``key`` unique per event, e.g. "acceptance:3"); a Message with status
  NOT_SENT when no channel exists, so the complaint page can say so.
- ``messages_for(complaint)``: lives in ``selectors``.
"""
