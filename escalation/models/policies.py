"""SLA policies: per priority, category and department, how long each step may take."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Category, Department, Priority, Tier, history
from escalation.calendar import Unit
from escalation.models.calendars import WorkCalendar, shown_name

UNIT_CHOICES = [
    (Unit.MINUTES.value, _("minutes")),
    (Unit.HOURS.value, _("hours")),
    (Unit.WORKING_HOURS.value, _("working hours")),
    (Unit.DAYS.value, _("calendar days")),
    (Unit.WORKING_DAYS.value, _("working days")),
]


class Start(models.TextChoices):
    """The event a time limit counts from (DOMAIN.md: acceptance decision from receipt,
    handling from acceptance 自受理之日起, first reply from receipt, follow-up from resolution)."""

    # Their own context: "resolution" elsewhere is the handling deadline (处理), here the
    # event a follow-up counts from (办结).
    RECEIVED = "received", pgettext_lazy("clock start", "receipt")
    ACCEPTED = "accepted", pgettext_lazy("clock start", "acceptance (classification)")
    ASSIGNED = "assigned", pgettext_lazy("clock start", "assignment")
    RESOLVED = "resolved", pgettext_lazy("clock start", "resolution")


# The complaint milestone column that records each start event.
START_COLUMNS = {
    Start.RECEIVED: "received_at",
    Start.ACCEPTED: "classified_at",
    Start.ASSIGNED: "assigned_at",
    Start.RESOLVED: "resolved_at",
}
TARGETS = ["acceptance", "first_response", "resolution", "follow_up"]
# Where each target counts from unless a policy says otherwise.
DEFAULT_STARTS = {
    "acceptance": Start.RECEIVED,
    "first_response": Start.RECEIVED,
    "resolution": Start.RECEIVED,
    "follow_up": Start.RESOLVED,
}
# A target cannot count from its own milestone or a later one.
ALLOWED_STARTS = {
    "acceptance": {Start.RECEIVED},
    "first_response": {Start.RECEIVED, Start.ACCEPTED, Start.ASSIGNED},
    "resolution": {Start.RECEIVED, Start.ACCEPTED, Start.ASSIGNED},
    "follow_up": {Start.RECEIVED, Start.ACCEPTED, Start.ASSIGNED, Start.RESOLVED},
}
BUDGETS = {Tier.FRONTLINE: "frontline_budget", Tier.MANAGER: "manager_budget"}


def _amount(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


def _unit(default: Unit):
    return models.CharField(_("unit"), max_length=14, choices=UNIT_CHOICES, default=default.value)


def _start(default: Start):
    return models.CharField(
        _("counted from"), max_length=10, choices=Start.choices, default=default.value
    )


class SlaPolicy(models.Model):
    """Time limits for one kind of complaint (DOMAIN.md: "make them configuration").

    The active policy that matches a complaint most specifically applies: a department match
    beats a category match, which beats a priority match (a leaf category beats its parent);
    blank means "any". Each target is an amount and a unit; a blank amount means no limit.

    Tier budgets say how long a complaint may stay with a tier before the sweep moves it up
    (the store rule in DOMAIN.md: frontline 15 minutes, then the floor manager 30, then the
    general manager), counted from when it reached the tier.
    """

    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, blank=True, help_text=_("Any")
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("A top-level category also matches its subcategories."),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True
    )
    # 不予受理复查: a policy for appeals against a refusal applies to those appeals only, and to
    # them before any other policy (``escalation.rulebook``).
    refusal_appeals = models.BooleanField(
        _("appeals against refusals"),
        default=False,
        help_text=_(
            "Applies only to appeals against a refusal (不予受理复查), and to them before any "
            "other policy."
        ),
    )
    calendar = models.ForeignKey(
        WorkCalendar,
        verbose_name=_("calendar"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Blank: the default calendar."),
    )

    acceptance_amount = _amount(_("accept/classify within"))
    acceptance_unit = _unit(Unit.MINUTES)
    acceptance_from = _start(DEFAULT_STARTS["acceptance"])
    first_response_amount = _amount(_("first reply within"))
    first_response_unit = _unit(Unit.HOURS)
    first_response_from = _start(DEFAULT_STARTS["first_response"])
    resolution_amount = _amount(_("resolve within"))
    resolution_unit = _unit(Unit.HOURS)
    resolution_from = _start(DEFAULT_STARTS["resolution"])
    follow_up_amount = _amount(_("follow up within"))
    follow_up_unit = _unit(Unit.DAYS)
    follow_up_from = _start(DEFAULT_STARTS["follow_up"])
    frontline_budget_amount = _amount(_("frontline tier budget"))
    frontline_budget_unit = _unit(Unit.MINUTES)
    manager_budget_amount = _amount(_("department manager tier budget"))
    manager_budget_unit = _unit(Unit.MINUTES)

    max_extensions = models.PositiveSmallIntegerField(
        _("extensions allowed"),
        default=2,
        help_text=_("Approved extensions of the resolution deadline allowed per complaint."),
    )
    extension_amount = models.PositiveIntegerField(
        _("suggested extension"), default=15, help_text=_("Offered when a handler asks.")
    )
    extension_unit = _unit(Unit.DAYS)
    notes = models.TextField(_("notes"), blank=True, help_text=_("Where the rule comes from."))
    history = history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            # Two active policies for the same kind of complaint would make the deadline depend
            # on row order; refuse the second one instead.
            models.UniqueConstraint(
                fields=["refusal_appeals", "priority", "category", "department"],
                condition=Q(active=True),
                nulls_distinct=False,
                name="slapolicy_one_active_per_scope",
                violation_error_message=_(
                    "Another active policy already covers this priority, category and department."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return shown_name(self.name)

    def clean(self) -> None:
        errors = {}
        for name in TARGETS:
            start = getattr(self, f"{name}_from")
            if start not in ALLOWED_STARTS[name]:
                errors[f"{name}_from"] = _(
                    "This time limit cannot count from %(start)s: that happens after it ends."
                ) % {"start": Start(start).label}
        if errors:
            raise ValidationError(errors)

    def target(self, name: str) -> tuple[int, str] | None:
        amount = getattr(self, f"{name}_amount")
        if amount is None:
            return None
        return amount, getattr(self, f"{name}_unit")

    def start(self, name: str) -> str:
        return getattr(self, f"{name}_from")
