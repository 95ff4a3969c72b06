"""The core of Redress: the organisation (departments, categories, staff tiers) and the complaint
with its lifecycle.

The lifecycle is the table of ``@transition`` methods on ``Complaint``; every write goes through
``complaints.services``, which locks the row, checks state, permission and conditions, calls the
transition and saves with the acting user and reason recorded in history.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from complaints import deadline_flags, rules


class HistoryExtras(models.Model):
    """Columns added to every history table: which lifecycle action wrote the row.

    The audit log filters on it, so it is a column rather than text inside the change reason.
    Filled from ``instance._history_transition`` by the receiver in ``complaints.signals``.
    """

    history_transition = models.CharField(_("action"), max_length=40, blank=True, db_index=True)

    class Meta:
        abstract = True


class _HistoricalRecords(HistoricalRecords):
    """simple-history's records, with indexes of our own on the history table (``indexes=``)."""

    def __init__(self, *args, indexes: list[models.Index] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.extra_indexes = list(indexes or [])

    def get_meta_options(self, model):
        meta = super().get_meta_options(model)
        if self.extra_indexes:
            meta["indexes"] = [*meta.get("indexes", ()), *self.extra_indexes]
        return meta


def history(**kwargs) -> HistoricalRecords:
    return _HistoricalRecords(bases=[HistoryExtras], **kwargs)


class Tier(models.TextChoices):
    FRONTLINE = "frontline", _("Frontline")
    MANAGER = "manager", _("Department manager")
    GM = "gm", _("General manager")
    AUDITOR = "auditor", _("Auditor")


# Handling tiers in escalation order; auditors read and never handle.
TIER_ORDER = [Tier.FRONTLINE, Tier.MANAGER, Tier.GM]


class Department(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_departments",
    )
    # 各单位应指定一名投诉处理人员: every unit names a complaint handler.
    complaint_handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("complaint handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_departments",
    )
    # New complaints for the department go to its named handler first (when it has one).
    route_to_handler = models.BooleanField(
        _("route new complaints to the complaint handler"), default=True
    )
    active = models.BooleanField(_("active"), default=True)
    history = history()

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class TwoLevelCode(models.Model):
    """A managed two-level code list (a top level and its finer entries): categories and root
    causes. Each concrete list adds its own ``parent`` (with its own label) and history."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("active"), default=True)

    too_deep_message = ""
    own_parent_message = ""

    class Meta:
        abstract = True
        ordering = ["parent__name", "name"]

    def __str__(self) -> str:
        if self.parent_id:
            return f"{self.parent.name} / {self.name}"
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": self.too_deep_message})
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": self.own_parent_message})


class Category(TwoLevelCode):
    """Two-level tree of the nature of complaints: service attitude → rude staff."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    history = history()

    too_deep_message = _("Categories have two levels only.")
    own_parent_message = _("A category cannot be its own parent.")

    class Meta(TwoLevelCode.Meta):
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class RootCause(TwoLevelCode):
    """Two-level catalogue of root causes (溯源): process → missing step, people → training...

    Chosen at resolution (required for a substantiated complaint), reported by month, department
    and category, and the cause a corrective action addresses."""

    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    history = history()

    too_deep_message = _("Root causes have two levels only.")
    own_parent_message = _("A root cause cannot be its own parent.")

    class Meta(TwoLevelCode.Meta):
        verbose_name = _("root cause")
        verbose_name_plural = _("root causes")


class StaffProfile(models.Model):
    """Links a login to a department and a tier; the tier decides the Django group."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
    )
    tier = models.CharField(_("tier"), max_length=20, choices=Tier.choices)
    history = history()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            # Frontline staff and department managers belong to a department.
            models.CheckConstraint(
                name="staffprofile_department_for_department_tiers",
                condition=Q(tier__in=["gm", "auditor"]) | Q(department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_tier_display()})"


class ReferenceSequence(models.Model):
    """One counter per year behind ``C-2026-000123``.

    Registration increments it with one upsert, whose row lock it holds until it commits, so
    concurrent intakes serialise on the counter only, never on the complaints table, and no two
    complaints get the same number.
    """

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class State(models.TextChoices):
    RECEIVED = "received", _("Received")
    CLASSIFIED = "classified", _("Classified")
    ASSIGNED = "assigned", _("Assigned")
    RESOLVED = "resolved", _("Resolved")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = [State.RECEIVED, State.CLASSIFIED, State.ASSIGNED, State.RESOLVED, State.FOLLOWED_UP]
# States in which the organisation still owes the complainant an answer: the SLA clock runs.
HANDLING_STATES = [State.RECEIVED, State.CLASSIFIED, State.ASSIGNED]


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


class ComplaintQuerySet(models.QuerySet):
    def open(self) -> ComplaintQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def with_list_relations(self) -> ComplaintQuerySet:
        """The joins every list needs, so a page costs the same queries whatever its size."""
        return self.select_related("category", "category__parent", "department", "assignee")


class Complaint(ConcurrentTransitionMixin, models.Model):
    # --- identity ---
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    # The public tracking page asks for reference + this code; never shown to other complainants.
    tracking_code = models.CharField(_("tracking code"), max_length=16, editable=False)
    state = FSMField(
        _("state"), max_length=20, choices=State.choices, default=State.RECEIVED, protected=True
    )
    # Optimistic lock: every service write increments it; a write based on an older version is
    # refused (StaleComplaint) instead of silently overwriting the other writer.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    # --- registration ---
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    complainant_name = models.CharField(_("complainant name"), max_length=120, blank=True)
    complainant_phone = models.CharField(_("complainant phone"), max_length=40, blank=True)
    complainant_email = models.EmailField(_("complainant email"), blank=True)
    complainant_id_number = models.CharField(
        _("ID, account, card or plate number"), max_length=64, blank=True
    )
    # Normalised copies (digits only, lower-case) so duplicate and repeat detection is one
    # indexed lookup whatever the spelling at intake.
    complainant_phone_norm = models.CharField(max_length=40, blank=True, editable=False)
    complainant_email_norm = models.CharField(max_length=254, blank=True, editable=False)
    complainant_id_norm = models.CharField(max_length=64, blank=True, editable=False)
    complainant_language = models.CharField(
        _("complainant's language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    # Where written notices (letters) go by post.
    complainant_address = models.CharField(_("postal address"), max_length=300, blank=True)
    # Blank: no stated preference; notices then go by email, else SMS, else a printed letter.
    preferred_channel = models.CharField(
        _("preferred way to be answered"),
        max_length=10,
        choices=ContactChannel.choices,
        blank=True,
    )
    # 对信访人身份保密: keep the complainant's identity from the unit complained about.
    confidential = models.BooleanField(_("keep complainant identity confidential"), default=False)
    subject_department = models.ForeignKey(
        Department,
        verbose_name=_("unit complained about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about",
    )
    subject_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member complained about"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_about_me",
    )
    subject_description = models.CharField(
        _("unit or person complained about (as described)"), max_length=200, blank=True
    )
    description = models.TextField(_("complainant's account"))
    request = models.TextField(_("what the complainant asks for"), blank=True)

    # --- classification and ownership ---
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("handling department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_complaints",
    )
    tier = models.CharField(
        _("current tier"),
        max_length=20,
        choices=[(t.value, t.label) for t in TIER_ORDER],
        default=Tier.FRONTLINE,
    )

    # --- milestones (indexed columns: lists and monthly reports never rebuild them) ---
    classified_at = models.DateTimeField(_("classified at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    escalation_count = models.PositiveIntegerField(_("escalations"), default=0)

    # --- deadlines (filled by the escalation app's SLA policies) ---
    promised_reply_at = models.DateTimeField(_("promised reply by"), null=True, blank=True)
    acceptance_due_at = models.DateTimeField(_("acceptance due"), null=True, blank=True)
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    follow_up_due_at = models.DateTimeField(_("follow-up due"), null=True, blank=True)
    # The earliest deadline still running: what the SLA sweep and "due soon" lists read.
    next_due_at = models.DateTimeField(_("next deadline"), null=True, blank=True)
    clock_paused_at = models.DateTimeField(_("clock paused since"), null=True, blank=True)
    # Approved extensions of the resolution deadline, counted for the monthly report.
    extension_count = models.PositiveIntegerField(_("deadline extensions"), default=0)

    # --- decision and resolution ---
    reject_reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectReason.choices, blank=True
    )
    withdraw_reason = models.CharField(
        _("termination reason"), max_length=30, choices=WithdrawReason.choices, blank=True
    )
    decision_note = models.TextField(_("explanation given to the complainant"), blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    resolution_summary = models.TextField(_("resolution summary"), blank=True)
    remedy = models.TextField(_("remedy given"), blank=True)
    remedy_amount = models.DecimalField(
        _("remedy amount"), max_digits=12, decimal_places=2, default=Decimal("0")
    )
    remedy_approved_amount = models.DecimalField(
        _("remedy amount approved"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    remedy_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("remedy approved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    corrective_action = models.TextField(_("corrective and preventive action"), blank=True)
    substantiated = models.BooleanField(_("substantiated"), null=True, blank=True)
    # The coded root cause (溯源) chosen at resolution; ``root_cause`` above is its free text.
    cause = models.ForeignKey(
        RootCause,
        verbose_name=_("coded root cause"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )

    # --- accountability (责任认定), recorded at resolution of a substantiated complaint ---
    responsible_department = models.ForeignKey(
        Department,
        verbose_name=_("responsible department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_responsible",
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints_responsible",
    )
    responsibility_finding = models.TextField(_("responsibility finding"), blank=True)
    responsibility_found_at = models.DateTimeField(
        _("responsibility found at"), null=True, blank=True
    )

    # --- transfer from a regulator or hotline platform (e.g. 12345) ---
    external_platform = models.CharField(_("transferred from platform"), max_length=40, blank=True)
    external_reference = models.CharField(_("platform's reference"), max_length=64, blank=True)
    external_due_at = models.DateTimeField(_("platform's reply deadline"), null=True, blank=True)

    # --- follow-up ---
    follow_up_outcome = models.CharField(
        _("follow-up outcome"), max_length=30, choices=FollowUpOutcome.choices, blank=True
    )
    follow_up_comment = models.TextField(_("follow-up comment"), blank=True)
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)

    # --- links between complaints ---
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged",
    )
    appeal_of = models.ForeignKey(
        "self",
        verbose_name=_("appeal of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appeals",
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()
    # The history table keeps every column but none of the model's indexes except those the
    # per-complaint history page and audit log use (history_date, history_user, id).
    history = history(
        excluded_fields=["complainant_phone_norm", "complainant_email_norm", "complainant_id_norm"],
        no_db_index=[
            "reference",
            "category",
            "department",
            "assignee",
            "subject_department",
            "subject_person",
            "created_by",
            "remedy_approved_by",
            "repeat_of",
            "merged_into",
            "appeal_of",
            "cause",
            "responsible_department",
            "responsible_person",
            "received_at",
            "resolved_at",
            "closed_at",
            "next_due_at",
            "classified_at",
            "state",
        ],
        indexes=[
            # Every follow-up contact counts in the month it happened (DOMAIN.md, satisfaction
            # rate), read from its history row: WHERE history_transition = 'follow_up' AND
            # history_date in the month [AND department_id = ? | assignee_id = ?], grouped by
            # outcome and department (reporting.figures). Partial, so it holds only follow-up
            # rows; the other columns are keys so that the count is an index-only scan.
            models.Index(
                fields=["history_date", "follow_up_outcome", "department", "assignee"],
                name="hcmp_follow_up_month_idx",
                condition=Q(history_transition="follow_up"),
            ),
        ],
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_at", "-id"]
        permissions = [
            ("classify_complaint", _("Can classify (accept) complaints")),
            ("reject_complaint", _("Can reject complaints")),
            ("assign_complaint", _("Can assign complaints")),
            ("assign_across_departments", _("Can assign complaints to another department")),
            ("resolve_complaint", _("Can resolve complaints")),
            ("follow_up_complaint", _("Can record follow-ups")),
            ("reopen_complaint", _("Can reopen complaints")),
            ("close_complaint", _("Can close complaints")),
            (
                "close_dissatisfied_complaint",
                _("Can close a complaint after a dissatisfied follow-up"),
            ),
            ("withdraw_complaint", _("Can withdraw or terminate complaints")),
            ("escalate_complaint", _("Can escalate complaints")),
            ("approve_remedy", _("Can approve remedies")),
            ("handle_major_complaint", _("Can reject or terminate major complaints")),
        ]
        indexes = [
            # Department queues and the manager dashboard: WHERE department = ? AND state IN (...)
            # ORDER BY received_at DESC.
            models.Index(
                fields=["department", "state", "-received_at"], name="cmp_dept_state_recv_idx"
            ),
            # "My open complaints": WHERE assignee = ? AND state IN (...).
            models.Index(fields=["assignee", "state"], name="cmp_assignee_state_idx"),
            # Default list ordering over everything (GM, auditor): ORDER BY received_at DESC, id.
            models.Index(fields=["-received_at", "-id"], name="cmp_received_idx"),
            # Monthly report windows on each milestone.
            models.Index(fields=["resolved_at"], name="cmp_resolved_at_idx"),
            models.Index(fields=["closed_at"], name="cmp_closed_at_idx"),
            models.Index(fields=["classified_at"], name="cmp_classified_at_idx"),
            models.Index(fields=["first_response_at"], name="cmp_first_response_at_idx"),
            models.Index(fields=["followed_up_at"], name="cmp_followed_up_at_idx"),
            # Rejections and terminations are a few percent of complaints: partial indexes.
            models.Index(
                fields=["rejected_at"],
                name="cmp_rejected_at_idx",
                condition=Q(rejected_at__isnull=False),
            ),
            models.Index(
                fields=["withdrawn_at"],
                name="cmp_withdrawn_at_idx",
                condition=Q(withdrawn_at__isnull=False),
            ),
            # SLA sweep: WHERE next_due_at <= now AND state IN (handling states); partial so the
            # index holds only the few thousand running clocks, not a million closed cases.
            models.Index(
                fields=["next_due_at"],
                name="cmp_sla_sweep_idx",
                condition=Q(state__in=["received", "classified", "assigned"])
                & Q(next_due_at__isnull=False),
            ),
            # "Overdue" lists and counts: the resolution deadline of a running clock, the other
            # arm of the OR next to cmp_sla_sweep_idx (complaints.filters.overdue_q).
            models.Index(
                fields=["resolution_due_at"],
                name="cmp_overdue_resolution_idx",
                condition=Q(state__in=["received", "classified", "assigned"])
                & Q(clock_paused_at__isnull=True),
            ),
            # Overdue follow-ups (回访), the third arm of complaints.filters.overdue_q, and the
            # "follow-ups due" and "due today" queues (complaints.queues): only the resolved
            # complaints still waiting for their follow-up.
            models.Index(
                fields=["follow_up_due_at"],
                name="cmp_follow_up_due_idx",
                condition=Q(state="resolved") & Q(follow_up_due_at__isnull=False),
            ),
            # The "my department's unassigned" queue and its count in the navigation
            # (complaints.queues): the few open complaints nobody has taken yet.
            models.Index(
                fields=["department", "-received_at"],
                name="cmp_unassigned_queue_idx",
                condition=Q(
                    state__in=["received", "classified", "assigned", "resolved", "followed_up"]
                )
                & Q(assignee__isnull=True),
            ),
            # Root causes by month (reports, recurring causes): WHERE cause IS NOT NULL AND
            # resolved_at in the period, grouped by cause, department and category.
            models.Index(
                fields=["cause", "resolved_at"],
                name="cmp_cause_resolved_idx",
                condition=Q(cause__isnull=False),
            ),
            # Accountability table: WHERE responsible_department/person ... AND resolved_at in
            # the period; only substantiated complaints carry a finding.
            models.Index(
                fields=["responsible_department", "resolved_at"],
                name="cmp_resp_dept_resolved_idx",
                condition=Q(responsible_department__isnull=False),
            ),
            models.Index(
                fields=["responsible_person", "resolved_at"],
                name="cmp_resp_person_resolved_idx",
                condition=Q(responsible_person__isnull=False),
            ),
            # Duplicate/repeat detection: same complainant, by any of three identifiers.
            models.Index(
                fields=["complainant_phone_norm", "-received_at"],
                name="cmp_phone_norm_idx",
                condition=~Q(complainant_phone_norm=""),
            ),
            models.Index(
                fields=["complainant_email_norm", "-received_at"],
                name="cmp_email_norm_idx",
                condition=~Q(complainant_email_norm=""),
            ),
            models.Index(
                fields=["complainant_id_norm", "-received_at"],
                name="cmp_id_norm_idx",
                condition=~Q(complainant_id_norm=""),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="complaint_remedy_amount_not_negative", condition=Q(remedy_amount__gte=0)
            ),
            models.CheckConstraint(
                name="complaint_rejected_has_reason",
                condition=~Q(state="rejected") | ~Q(reject_reason=""),
            ),
            models.CheckConstraint(
                name="complaint_withdrawn_has_reason",
                condition=~Q(state="withdrawn") | ~Q(withdraw_reason=""),
            ),
            # A platform's reference names one complaint here (a re-sent transfer is the same).
            models.UniqueConstraint(
                fields=["external_platform", "external_reference"],
                name="cmp_external_reference_uniq",
                condition=~Q(external_reference=""),
            ),
            models.CheckConstraint(
                name="complaint_assigned_has_assignee",
                condition=~Q(state="assigned") | Q(assignee__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return f"/complaints/{self.reference}/"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def overdue_since(self):
        """When the complaint became overdue, or None: its next deadline passed (the escalation
        app's ``next_due_at``), or its resolution deadline passed while the clock ran, or, once
        resolved, its follow-up (回访) is past due. The second matters once a complaint sits
        with the general manager past every deadline, where nothing is "next" any more but it
        is still late. ``complaints.filters.overdue_q`` is the same rule in SQL."""
        now = timezone.now()
        if self.state == State.RESOLVED:
            due = self.follow_up_due_at
            return due if due is not None and due < now else None
        if self.state not in HANDLING_STATES:
            return None
        running = [self.next_due_at]
        if self.clock_paused_at is None:
            running.append(self.resolution_due_at)
        passed = [when for when in running if when is not None and when < now]
        return min(passed, default=None)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None

    @property
    def deadlines_provisional(self) -> bool:
        """A deadline of this complaint falls in a calendar year not yet confirmed: it was
        computed with holidays that may still change (see ``complaints.deadline_flags``)."""
        return deadline_flags.provisional(self)

    # ------------------------------------------------------------------------------------------
    # The lifecycle. Conditions and permissions live in complaints.rules so services can explain
    # a refusal; each body sets only the milestone that goes with the move.
    # received → classified → assigned → resolved → followed_up → closed
    #   received → rejected; any open state → withdrawn; followed_up (dissatisfied) → assigned
    # ------------------------------------------------------------------------------------------

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.CLASSIFIED,
        conditions=[rules.has_category, rules.has_department],
        permission=rules.may_classify,
        custom={"label": _("Classify"), "form": "complaints.forms.ClassifyForm"},
    )
    def classify(self) -> None:
        self.classified_at = timezone.now()

    @transition(
        field=state,
        source=State.RECEIVED,
        target=State.REJECTED,
        conditions=[rules.has_reject_reason],
        permission=rules.may_reject,
        custom={"label": _("Reject"), "form": "complaints.forms.RejectForm"},
    )
    def reject(self) -> None:
        self.rejected_at = timezone.now()

    @transition(
        field=state,
        source=[State.CLASSIFIED, State.ASSIGNED],
        target=State.ASSIGNED,
        conditions=[rules.assignee_in_department, rules.assignee_not_complained_about],
        permission=rules.may_assign,
        custom={"label": _("Assign"), "form": "complaints.forms.AssignForm"},
    )
    def assign(self) -> None:
        self.assigned_at = timezone.now()

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=State.RESOLVED,
        conditions=[rules.has_resolution],
        permission=rules.may_resolve,
        custom={"label": _("Resolve"), "form": "complaints.forms.ResolveForm"},
    )
    def resolve(self) -> None:
        now = timezone.now()
        self.resolved_at = now
        if self.first_response_at is None:
            self.first_response_at = now

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.FOLLOWED_UP,
        conditions=[rules.has_follow_up_outcome],
        permission=rules.may_follow_up,
        custom={"label": _("Record follow-up"), "form": "complaints.forms.FollowUpForm"},
    )
    def follow_up(self) -> None:
        self.followed_up_at = timezone.now()

    @transition(
        field=state,
        source=State.FOLLOWED_UP,
        target=State.ASSIGNED,
        conditions=[rules.follow_up_dissatisfied, rules.assignee_not_complained_about],
        permission=rules.may_reopen,
        custom={"label": _("Reopen"), "form": "complaints.forms.ReasonForm"},
    )
    def reopen(self) -> None:
        self.reopen_count += 1
        self.assigned_at = timezone.now()

    @transition(
        field=state,
        source=State.FOLLOWED_UP,
        target=State.CLOSED,
        conditions=[rules.has_follow_up_outcome],
        permission=rules.may_close,
        custom={"label": _("Close"), "form": "complaints.forms.ReasonForm"},
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=state,
        source=OPEN_STATES,
        target=State.WITHDRAWN,
        conditions=[rules.has_withdraw_reason],
        permission=rules.may_withdraw,
        custom={"label": _("Withdraw / terminate"), "form": "complaints.forms.WithdrawForm"},
    )
    def withdraw(self) -> None:
        self.withdrawn_at = timezone.now()

    # 不予受理复查: an appeal against a refusal is decided in one step (upheld or overturned),
    # and an overturned refusal accepts the original complaint, whose handling clock starts.
    # Both run only through ``complaints.refusal_appeals.decide`` (two complaints, one decision).
    @transition(
        field=state,
        source=HANDLING_STATES,
        target=State.RESOLVED,
        conditions=[rules.is_refusal_appeal, rules.has_appeal_decision],
        permission=rules.may_decide_refusal_appeal,
        custom={"label": _("Decide the appeal against the refusal")},
    )
    def decide_refusal_appeal(self) -> None:
        now = timezone.now()
        self.resolved_at = now
        if self.first_response_at is None:
            self.first_response_at = now

    @transition(
        field=state,
        source=State.REJECTED,
        target=State.CLASSIFIED,
        conditions=[rules.has_category, rules.has_department],
        permission=rules.may_accept_on_appeal,
        custom={"label": _("Accept on appeal")},
    )
    def accept_on_appeal(self) -> None:
        self.classified_at = timezone.now()

    # Escalation moves the complaint up a tier without changing its state (target=None).
    @transition(
        field=state,
        source=HANDLING_STATES,
        target=None,
        conditions=[rules.below_top_tier],
        permission=rules.may_escalate,
        custom={"label": _("Escalate"), "form": "complaints.forms.ReasonForm"},
    )
    def escalate(self) -> None:
        self.tier = TIER_ORDER[TIER_ORDER.index(self.tier) + 1]
        self.escalated_at = timezone.now()
        self.escalation_count += 1

    @transition(
        field=state,
        source=State.ASSIGNED,
        target=None,
        conditions=[rules.has_remedy_amount],
        permission=rules.may_approve_remedy,
        custom={"label": _("Approve remedy"), "form": "complaints.forms.ApproveRemedyForm"},
    )
    def approve_remedy(self) -> None:
        self.remedy_approved_amount = self.remedy_amount


class IdempotencyKey(models.Model):
    """A retried submission (same ``Idempotency-Key`` header, a double-clicked form) returns the
    complaint the first attempt created instead of registering a second one.

    The unique constraint, not a read-then-write check, is what makes two simultaneous retries
    create one complaint: the loser's INSERT fails and it reads the winner's row.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"


class ResponsibilityContest(models.Model):
    """The responsible person's one contest of a responsibility finding (责任认定申诉), decided
    by a manager. One per complaint: the OneToOne is the "once"."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Finding upheld")
        OVERTURNED = "overturned", _("Finding overturned")

    complaint = models.OneToOneField(
        Complaint,
        verbose_name=_("complaint"),
        on_delete=models.PROTECT,
        related_name="responsibility_contest",
    )
    contested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contested_at = models.DateTimeField(_("contested at"), default=timezone.now)
    reason = models.TextField(_("grounds of the contest"))
    outcome = models.CharField(_("decision"), max_length=20, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("reasons for the decision"), blank=True)
    history = history()

    class Meta:
        verbose_name = _("responsibility contest")
        verbose_name_plural = _("responsibility contests")
        indexes = [
            # Managers' "contests waiting for a decision": the few undecided ones.
            models.Index(
                fields=["contested_at"],
                name="contest_undecided_idx",
                condition=Q(decided_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="contest_decided_has_outcome",
                condition=Q(decided_at__isnull=True) | ~Q(outcome=""),
            ),
        ]

    def __str__(self) -> str:
        return str(self.complaint)


class Note(models.Model):
    """An internal note: staff only, never shown on the public tracking page."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)
    history = history()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["complaint", "created_at"], name="note_complaint_idx")]

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.body[:40]}"


class Communication(models.Model):
    """A contact with the complainant: a call, an email, a letter, a visit, a text message."""

    class Medium(models.TextChoices):
        CALL = "call", _("Phone call")
        EMAIL = "email", _("Email")
        LETTER = "letter", _("Letter")
        VISIT = "visit", _("Visit")
        SMS = "sms", _("Text message")
        WEB = "web", _("Web")

    class Direction(models.TextChoices):
        INBOUND = "in", _("From the complainant")
        OUTBOUND = "out", _("To the complainant")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.PROTECT, related_name="communications"
    )
    medium = models.CharField(_("medium"), max_length=10, choices=Medium.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    summary = models.TextField(_("summary"))
    # Public replies are shown on the tracking page; everything else stays internal.
    public = models.BooleanField(_("visible to the complainant"), default=False)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Email intake threads replies and never imports one message twice.
    message_id = models.CharField(max_length=255, blank=True, editable=False)
    history = history()

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name = _("communication")
        verbose_name_plural = _("communications")
        indexes = [
            models.Index(fields=["complaint", "occurred_at"], name="comm_complaint_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"], name="comm_message_id_unique", condition=~Q(message_id="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_medium_display()} {self.occurred_at:%Y-%m-%d}"


def attachment_path(instance: Attachment, filename: str) -> str:
    """A short generated name that keeps the extension: the name the uploader gave may be long
    (255 UTF-8 bytes of Chinese is too long for a file system) or repeat another file's, so it
    is kept in ``original_name`` for display and download only."""
    now = timezone.now()
    suffix = re.fullmatch(r".*(\.[A-Za-z0-9]{1,10})", filename or "")
    name = uuid.uuid4().hex + (suffix.group(1).lower() if suffix else "")
    return f"attachments/{now:%Y/%m}/{instance.complaint.reference}/{name}"


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    public = models.BooleanField(_("provided by the complainant"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    history = history()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        indexes = [
            models.Index(fields=["complaint", "uploaded_at"], name="attach_complaint_idx"),
        ]

    def __str__(self) -> str:
        return self.original_name


class SavedView(models.Model):
    """A list filter kept under a name: personal, or shared with the owner's department (a
    manager shares). Opening it replays ``query`` on the list page, whose queryset starts from
    the opener's visibility, so a shared view never shows a complaint the opener may not see.

    ``query`` holds only the list filterset's known parameters (``complaints.saved_views``
    drops the rest); ``columns`` and ``sort`` are the list's column choice and order.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_views",
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=1000, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    sort = models.CharField(_("sort"), max_length=20, blank=True)
    shared_with_department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="saved_views",
        verbose_name=_("shared with department"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    history = history()

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        indexes = [
            # "My views" in the Queues menu: WHERE owner_id = ? ORDER BY name.
            models.Index(fields=["owner", "name"], name="savedview_owner_idx"),
            # "Department views": WHERE shared_with_department_id = ? ORDER BY name.
            models.Index(
                fields=["shared_with_department", "name"],
                name="savedview_department_idx",
                condition=Q(shared_with_department__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name
