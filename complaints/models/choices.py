"""The fixed choices of a complaint's fields (the lifecycle's ``State`` is with the transition
table, in ``complaints.models.complaint``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone hotline")
    COUNTER = "counter", _("Walk-in counter")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email")
    WEB = "web", _("Web form")
    APP = "app", _("Mobile app")
    SOCIAL = "social", _("Social media")
    TRANSFER = "transfer", _("Transfer from a regulator or another body")
    INTERNAL = "internal", _("Internal referral")


class ContactChannel(models.TextChoices):
    """How the complainant asked to be answered (their stated preference)."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter by post")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    MAJOR = "major", _("Major")


class RejectReason(models.TextChoices):
    """不予受理: why a received complaint is not accepted (DOMAIN.md)."""

    ANONYMOUS_NO_FACTS = "anonymous_no_facts", _("Anonymous with no facts")
    NO_DIRECT_INTEREST = "no_direct_interest", _("No direct interest of the complainant")
    NO_CLEAR_REQUEST = "no_clear_request", _("No clear target or request")
    OTHER_PROCEEDINGS = "other_proceedings", _("Already before a court or arbitration")
    REGULATOR_HANDLED = "regulator_handled", _("Already handled by a regulator")
    DUPLICATE = "duplicate", _("Duplicate of an open complaint")
    OUTSIDE_REMIT = "outside_remit", _("Outside the organisation's remit")


class WithdrawReason(models.TextChoices):
    """终止: why handling stopped before closure (DOMAIN.md)."""

    WITHDRAWN = "withdrawn", _("The complainant withdrew")
    UNTRUE = "untrue", _("The facts proved untrue")
    NO_COOPERATION = "no_cooperation", _("The complainant does not cooperate")
    LITIGATION = "litigation", _("The matter entered litigation")
    MEDIATION = "mediation", _("Settled by mediation")
    MERGED = "merged", _("Merged into another complaint")


class FollowUpOutcome(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    UNREACHABLE = "unreachable", _("Unreachable after several attempts")
