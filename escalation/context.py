"""What the caller of ``services.escalate`` knows and the core's signal does not carry: why
(a handler's reason code, or the deadline the sweep saw missed) and, for the sweep, the state of
the row it read, so the receiver can refuse an escalation that is no longer due once the row is
locked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class EscalationContext:
    cause: str  # EscalationCause
    reason_code: str = ""
    trigger: str = ""
    due_at: dt.datetime | None = None
    # Set by the sweep: the next_due_at it read. Under the row lock the complaint must still
    # show it, unpaused and with the deadline still running, or the escalation is refused.
    seen_next_due_at: dt.datetime | None = None
    tell_complainant: bool = False


current: ContextVar[EscalationContext | None] = ContextVar("escalation_context", default=None)
# For a bulk escalation (``services.escalate_many``): each complaint's own context, by id.
each: ContextVar[dict[int, EscalationContext] | None] = ContextVar(
    "escalation_contexts", default=None
)


def context_for(complaint) -> EscalationContext | None:
    contexts = each.get()
    if contexts is not None and complaint.pk in contexts:
        return contexts[complaint.pk]
    return current.get()


@contextmanager
def escalating(context: EscalationContext) -> Iterator[None]:
    token = current.set(context)
    try:
        yield
    finally:
        current.reset(token)


@contextmanager
def escalating_each(contexts: dict[int, EscalationContext]) -> Iterator[None]:
    token = each.set(contexts)
    try:
        yield
    finally:
        each.reset(token)
