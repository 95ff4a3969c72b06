"""SLA policies, the working-day calendar, and the records of escalations, clock pauses,
deadline extensions and the notifications they send.

The due times themselves are columns on ``complaints.Complaint`` (indexed there for the sweep);
this app decides their values (``escalation.signals``) and keeps the why and who here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import Category, Complaint, Department, Priority, Tier, history
from escalation.calendar import DayKind, Unit

UNIT_CHOICES = [
    (Unit.MINUTES.value, _("minutes")),
    (Unit.HOURS.value, _("hours")),
    (Unit.WORKING_HOURS.value, _("working hours")),
    (Unit.DAYS.value, _("calendar days")),
    (Unit.WORKING_DAYS.value, _("working days")),
]
DAY_KIND_CHOICES = [
    (DayKind.HOLIDAY.value, _("Public holiday")),
    (DayKind.WORKDAY.value, _("Moved working day (调休)")),
    (DayKind.CLOSURE.value, _("Organisation closure")),
]


def validate_time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(
            _("%(value)s is not a time zone name such as Asia/Shanghai."), params={"value": value}
        ) from exc


def validate_weekend(value: str) -> None:
    try:
        days = {int(part) for part in value.split(",") if part.strip()}
    except ValueError as exc:
        raise ValidationError(_("List ISO weekday numbers separated by commas, e.g. 6,7.")) from exc
    if not days <= set(range(1, 8)) or len(days) == 7:
        raise ValidationError(_("Weekend days are numbers from 1 (Monday) to 7 (Sunday)."))


# The names the data migrations give the default calendar and policies (0002), each with its
# translation: the rows are data, named once in English, but the Chinese UI shows them in
# Chinese. A policy or calendar an organisation adds keeps the name its administrator typed.
DEFAULT_NAMES = {
    "China (mainland)": _("China (mainland)"),
    "Standard — normal": _("Standard — normal"),
    "Standard — urgent": _("Standard — urgent"),
    "Standard — major": _("Standard — major"),
    "Government office (信访)": _("Government office (信访)"),
    "Banking and insurance (15 days)": _("Banking and insurance (15 days)"),
    "Appeals against refusals (不予受理复查)": _("Appeals against refusals (不予受理复查)"),
}


def shown_name(name: str) -> str:
    """A calendar's or policy's name in the active language (``DEFAULT_NAMES``)."""
    return str(DEFAULT_NAMES.get(name, name))


class WorkCalendar(models.Model):
    """Business hours and working days in one time zone; its exceptions are ``CalendarDay`` rows
    (public holidays and 调休 seeded from the ``holidays`` package, closures added by staff)."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    opens = models.TimeField(_("business hours start"), default=dt.time(9, 0))
    closes = models.TimeField(_("business hours end"), default=dt.time(18, 0))
    weekend = models.CharField(
        _("weekend days"),
        max_length=20,
        default="6,7",
        validators=[validate_weekend],
        help_text=_("ISO weekday numbers, 1 = Monday … 7 = Sunday."),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by policies that name no calendar."),
    )
    holiday_country = models.CharField(
        _("holiday country"),
        max_length=8,
        default="CN",
        blank=True,
        help_text=_("Country code for sync_holidays (holidays package), e.g. CN; blank for none."),
    )
    holiday_subdivision = models.CharField(_("holiday subdivision"), max_length=16, blank=True)
    history = history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="workcal_one_default"
            ),
            models.CheckConstraint(
                condition=Q(opens__lt=models.F("closes")), name="workcal_opens_before_closes"
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return shown_name(self.name)

    def weekend_days(self) -> frozenset[int]:
        return frozenset(int(part) for part in self.weekend.split(",") if part.strip())


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a public holiday, a moved working day, a closure."""

    class Source(models.TextChoices):
        PACKAGE = "package", _("holidays package")
        MANUAL = "manual", _("entered by staff")

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DAY_KIND_CHOICES)
    name = models.CharField(_("name"), max_length=120, blank=True)
    # sync_holidays rewrites "package" rows and never touches rows staff entered or edited.
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    history = history()

    class Meta:
        ordering = ["calendar", "day"]
        verbose_name = _("calendar day")
        # "calendar days" is also a unit of time (自然日); the days of a calendar are 日历日.
        verbose_name_plural = pgettext_lazy("model", "calendar days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "day"], name="calday_calendar_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.get_kind_display()}"


class CalendarYear(models.Model):
    """One calendar year of a working calendar's holidays and moved working days (调休).

    A year is *loaded* when its days were copied from the ``holidays`` package (on demand when
    a deadline reaches it, by ``manage.py sync_holidays`` or the daily "calendar-years" task)
    and *confirmed* when an administrator checked it against the State Council's notice, which
    is published only in November-December (DOMAIN.md: "a year not yet announced is
    provisional, and every deadline that falls in it says so"). A calendar without a holiday
    country has no years to confirm.
    """

    class Status(models.TextChoices):
        PROVISIONAL = "provisional", _("Provisional (from the holidays package, not confirmed)")
        CONFIRMED = "confirmed", _("Confirmed against the official notice")

    calendar = models.ForeignKey(
        WorkCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PROVISIONAL
    )
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True)
    package_version = models.CharField(_("holidays package version"), max_length=20, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    note = models.TextField(
        _("note"), blank=True, help_text=_("E.g. the notice this year was checked against.")
    )
    history = history()

    class Meta:
        ordering = ["calendar", "-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "year"], name="calyear_calendar_year"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="calyear_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.calendar} {self.year}"

    @property
    def confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


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


class EscalationCause(models.TextChoices):
    MANUAL = "manual", _("By a handler")
    DEADLINE = "deadline", _("Deadline missed")


class Trigger(models.TextChoices):
    ACCEPTANCE = "acceptance", _("acceptance")
    FIRST_RESPONSE = "first_response", _("first reply")
    PROMISED_REPLY = "promised_reply", _("promised reply")
    RESOLUTION = "resolution", _("resolution")
    TIER_BUDGET = "tier_budget", _("time allowed at this tier")


class ManualReason(models.TextChoices):
    BEYOND_AUTHORITY = "beyond_authority", _("Beyond my authority")
    OTHER_DEPARTMENT = "other_department", _("Needs another department")
    DEMANDS_MANAGER = "demands_manager", _("The complainant demands a manager")
    OTHER = "other", _("Other")


class Escalation(models.Model):
    """One move up a tier: who or what moved it, when, why, from where to where.

    Written in the same transaction as the complaint's "escalate" history row. Append-only.
    """

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("complaint")
    )
    from_tier = models.CharField(_("from tier"), max_length=20, choices=Tier.choices)
    to_tier = models.CharField(_("to tier"), max_length=20, choices=Tier.choices)
    cause = models.CharField(_("cause"), max_length=10, choices=EscalationCause.choices)
    trigger = models.CharField(
        _("missed deadline"), max_length=20, choices=Trigger.choices, blank=True
    )
    due_at = models.DateTimeField(_("was due"), null=True, blank=True)
    reason_code = models.CharField(
        _("reason"), max_length=20, choices=ManualReason.choices, blank=True
    )
    reason = models.TextField(_("explanation"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("escalation")
        # Not the complaint's count of escalations (升级次数): the escalation records.
        verbose_name_plural = pgettext_lazy("model", "escalations")
        indexes = [
            # The complaint page's timeline.
            models.Index(fields=["complaint", "created_at"], name="esc_complaint_idx"),
            # Reports: escalations in a month, by cause.
            models.Index(fields=["created_at"], name="esc_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.from_tier} → {self.to_tier}"


class DecidedRequest(models.Model):
    """What every request a manager decides has (a pause, an extension, a remedy approval): who
    asked and when, who decided, when and why."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True


class PauseReason(models.TextChoices):
    WAITING_COMPLAINANT = "waiting_complainant", _("Waiting for the complainant")
    WAITING_THIRD_PARTY = "waiting_third_party", _("Waiting for a third party")
    WAITING_AUTHORITY = "waiting_authority", _("Waiting for a regulator, court or authority")
    OTHER = "other", _("Other (explain)")


class ClockPause(DecidedRequest):
    """The SLA clock stopped on purpose, with a reason, a planned end and (beyond the configured
    length) a manager's approval. Nothing stops the clock silently by status."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        ACTIVE = "active", _("Clock stopped")
        ENDED = "ended", _("Ended")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")

    class EndCause(models.TextChoices):
        RESUMED = "resumed", _("Resumed by staff")
        EXPIRED = "expired", _("Planned end reached")
        STATE_CHANGE = "state_change", _("Complaint left the handling states")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="clock_pauses",
        verbose_name=_("complaint"),
    )
    reason_code = models.CharField(_("reason"), max_length=30, choices=PauseReason.choices)
    note = models.TextField(_("explanation"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    planned_until = models.DateTimeField(_("planned until"))
    started_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("clock restarted at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clock restarted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    end_cause = models.CharField(_("ended by"), max_length=15, choices=EndCause.choices, blank=True)
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("clock pause")
        verbose_name_plural = _("clock pauses")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status__in=["requested", "active"]),
                name="pause_one_open_per_complaint",
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(started_at__isnull=False),
                name="pause_active_has_start",
            ),
        ]
        indexes = [
            # Deadline recomputation: a complaint's finished pauses, in order.
            models.Index(fields=["complaint", "started_at"], name="pause_complaint_idx"),
            # The sweep restarts clocks whose planned end passed.
            models.Index(
                fields=["planned_until"], condition=Q(status="active"), name="pause_active_idx"
            ),
            # Approvers' queue.
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="pause_pending_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.get_reason_code_display()}"


class ExtensionRequest(DecidedRequest):
    """A handler asks for more time to resolve; a manager approves or refuses; on approval the
    resolution deadline moves and the complainant is told the new date."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("complaint")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    reason = models.TextField(_("why more time is needed"))
    current_due_at = models.DateTimeField(_("resolution was due"), null=True, blank=True)
    proposed_due_at = models.DateTimeField(_("new resolution deadline"))
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("deadline extension")
        # Not the complaint's count of extensions (延期次数): the requests for more time.
        verbose_name_plural = pgettext_lazy("model", "deadline extensions")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="requested"),
                name="extension_one_pending_per_complaint",
            ),
        ]
        indexes = [
            models.Index(fields=["complaint", "requested_at"], name="ext_complaint_idx"),
            models.Index(
                fields=["requested_at"], condition=Q(status="requested"), name="ext_pending_idx"
            ),
            # Reports: approved extensions in a month.
            models.Index(
                fields=["decided_at"], condition=Q(status="approved"), name="ext_approved_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: → {self.proposed_due_at:%Y-%m-%d}"


class RemedyApproval(DecidedRequest):
    """A handler's request that a higher tier approve a remedy beyond the handler's own limit
    (超出处理权限), waiting in that tier's "waiting for my approval" queue.

    The approval itself is the core's ``approve_remedy`` step on the complaint; this record only
    says who asked, for how much, and whom it waits for. At most one is pending per complaint:
    a new request supersedes the old one, and a request lapses (superseded) once the complaint
    is no longer assigned to the person who asked.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", pgettext_lazy("decision", "Refused")
        SUPERSEDED = "superseded", _("Superseded")

    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="remedy_approvals",
        verbose_name=_("complaint"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.TextField(_("why the remedy is needed"))
    # The tier whose limit covers the amount (complaints.rules.remedy_limit): the department
    # manager, or the general manager beyond the manager's limit.
    approver_tier = models.CharField(
        _("to be approved by"),
        max_length=20,
        choices=[(Tier.MANAGER.value, Tier.MANAGER.label), (Tier.GM.value, Tier.GM.label)],
    )
    history = history()

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = _("remedy approval request")
        verbose_name_plural = _("remedy approval requests")
        constraints = [
            models.UniqueConstraint(
                fields=["complaint"],
                condition=Q(status="pending"),
                name="remedy_one_pending_per_complaint",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="remedy_amount_positive"),
        ]
        indexes = [
            # The approvals queue and its count: pending requests for the user's tier
            # (escalation.queues.approval_condition), oldest first on the requests page.
            models.Index(
                fields=["approver_tier", "requested_at"],
                condition=Q(status="pending"),
                name="remedy_pending_for_tier_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.amount}"


class Notice(models.Model):
    """Outbox of notification emails. Written in the transaction of the event it reports, sent
    by a django-q2 task after commit; the unique ``key`` makes an event notify once however many
    times it is seen (two sweeps, a retried task)."""

    key = models.CharField(_("key"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=40)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recipients = models.JSONField(_("recipients"), default=list)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    context = models.JSONField(_("details"), default=dict)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # A sender claims a notice by setting claimed_at; a claim older than a few minutes without
    # sent_at is a crashed sender, and the notice may be claimed again.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The sweep's safety net: unsent notices, oldest first.
            models.Index(
                fields=["created_at"], condition=Q(sent_at__isnull=True), name="notice_unsent_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.key
