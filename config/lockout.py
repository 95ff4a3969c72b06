"""Failed logins lock out by three rules, each with its own limit (README, "Security").

* one account from one address: ``AXES_FAILURE_LIMIT`` (5) failures, so a person who mistypes
  their password is stopped without locking out the colleagues behind the same office NAT;
* one account from any address: ``REDRESS_LOCKOUT_ACCOUNT_LIMIT`` (20), so guessing one
  account's password from many addresses is stopped too;
* one address, any account: ``REDRESS_LOCKOUT_ADDRESS_LIMIT`` (50), so one machine cannot try
  a few passwords on every account.

django-axes counts the failures of each rule (``AXES_LOCKOUT_PARAMETERS``) within the cool-off
window, but compares them all with one limit, ``AXES_FAILURE_LIMIT``. The handler below puts
each rule's count on that one scale: a rule with ``f`` failures against its own limit ``L``
counts ``f * AXES_FAILURE_LIMIT // L``, which reaches ``AXES_FAILURE_LIMIT`` exactly when ``f``
reaches ``L`` (integers: ``f * P // L >= P`` if and only if ``f >= L``). Everything else, the
recording of attempts and the lock-out response, is django-axes' own.
"""

from __future__ import annotations

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum

PAIR = ("ip_address", "username")
ACCOUNT = ("username",)
ADDRESS = ("ip_address",)


def rule_limit(parameter: str | list[str], pair_limit: int) -> int:
    """The failure limit of one entry of ``AXES_LOCKOUT_PARAMETERS``."""
    key = tuple(sorted([parameter] if isinstance(parameter, str) else parameter))
    if key == ACCOUNT:
        return settings.REDRESS_LOCKOUT_ACCOUNT_LIMIT
    if key == ADDRESS:
        return settings.REDRESS_LOCKOUT_ADDRESS_LIMIT
    return pair_limit  # the pair, or any other combination: the strictest limit


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler, with one limit per lock-out rule."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        scale = get_failure_limit(request, credentials)
        parameters = get_lockout_parameters(request, credentials)
        attempts = self.get_user_attempts(request, credentials)  # in the order of `parameters`
        counts = []
        for parameter, queryset in zip(parameters, attempts, strict=True):
            failures = queryset.aggregate(n=Sum("failures_since_start"))["n"] or 0
            counts.append(failures * scale // rule_limit(parameter, scale))
        return max(counts, default=0)
