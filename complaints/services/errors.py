"""The refusals a service raises. Each carries the message shown to the user as it is, and the
HTTP status the API answers with (``complaints.api.errors`` maps them)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


class ServiceError(Exception):
    """A refused action; ``message`` is shown to the user as it is."""

    status_code = 409

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = str(message)


class TransitionRefused(ServiceError):
    """The action is not possible from the complaint's state, or a condition is missing (409)."""


class StaleComplaint(ServiceError):
    """The complaint changed since the caller read it (409)."""


class ApprovalRequired(TransitionRefused):
    """The remedy exceeds what the acting tier may grant without approval (409)."""


class InvalidInput(ServiceError):
    """The values given break a rule of the action (400), e.g. a resolution without the coded
    cause a substantiated complaint needs. ``fields`` maps each field to its message."""

    status_code = 400

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__(" ".join(str(message) for message in fields.values()))
        self.fields = {name: str(message) for name, message in fields.items()}


class ActionForbidden(ServiceError, PermissionDenied):
    """This user may not perform this action on this complaint (403)."""

    status_code = 403
