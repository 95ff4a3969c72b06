"""Writing to the complainant: every message, automatic or written by a handler, goes through
here and through the one outbox (``Message``).

A message is rendered when it is queued, in the same transaction as whatever caused it (the
lifecycle action, the handler's form), so what the handler previewed is what goes out and a
rolled-back change tells nobody. The send itself is a django-q2 task queued after commit
(``correspondence.tasks.send_message``); it claims the row with a conditional UPDATE, so a
task that runs twice, or two workers, send once. A message that may have gone out when a
worker died is never sent again automatically (``tasks.dispatch_due``).

By concern: ``channels`` (who can be reached how), ``texts`` (templates and rendering),
``replies`` (a handler's messages and follow-up), ``notices`` (the lifecycle's automatic
notices), ``outbox`` (queueing and the worker's send). Public functions, all importable from
here (the reply page, the API, the survey, the letters and the tasks call exactly these):

- ``best_channel(complaint)``: (channel, recipient) for an automatic notice, or None.
- ``channels_for(complaint)``: every usable channel → recipient (the reply dialog offers them).
- ``preview(...)``: what a handler's message would be, nothing written.
- ``send_reply(...)``: queue a handler's message, with its Communication on the timeline.
- ``notify(complaint, purpose=, key=)``: an automatic notice by the best channel.
- ``retry(message, by=)`` and ``mark_posted(message, by=)``: a handler's follow-up on a
  failed message and on a printed letter.
- ``send(pk)``: the send itself, called by the task; ``dispatch_due()``, the minute's sweep.
"""

from __future__ import annotations

from correspondence.services.channels import (
    FALLBACK_ORDER,
    SURVEY_CHANNELS,
    best_channel,
    channel_gaps,
    channels_for,
)
from correspondence.services.notices import notice_extra, notify, refusal_reason
from correspondence.services.outbox import (
    BACKOFF,
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    STALE_CLAIM_ERROR,
    claim,
    dispatch_due,
    enqueue,
    send,
)
from correspondence.services.replies import mark_posted, preview, retry, send_reply
from correspondence.services.texts import template_for

__all__ = [
    "BACKOFF",
    "CLAIM_TIMEOUT",
    "FALLBACK_ORDER",
    "MAX_ATTEMPTS",
    "STALE_CLAIM_ERROR",
    "SURVEY_CHANNELS",
    "best_channel",
    "channel_gaps",
    "channels_for",
    "claim",
    "dispatch_due",
    "enqueue",
    "mark_posted",
    "notice_extra",
    "notify",
    "preview",
    "refusal_reason",
    "retry",
    "send",
    "send_reply",
    "template_for",
]
