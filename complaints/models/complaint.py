"""The complaint: its fields, and its lifecycle as a table of ``@transition`` methods.

Each transition declares its source and target states, its conditions and its permission
(``complaints.rules``, so a refusal can say why); its body sets only the milestone that goes
with the move. The words for each action (the refusal "cannot be *classified*", the timeline
and audit headings) are in ``complaints.actions``, one row per transition. Nothing calls a
transition but ``complaints.services`` (``pipeline._perform``), which locks the row, checks
state, permission and conditions, and saves with the acting user and reason in history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from complaints import deadline_flags, rules
from complaints.models import complaint_indexes
from complaints.models.base import history
from complaints.models.catalogue import Category, RootCause
from complaints.models.choices import (
    Channel,
    ContactChannel,
    FollowUpOutcome,
    Priority,
    RejectReason,
    WithdrawReason,
)
from complaints.models.organisation import TIER_ORDER, Department, Tier


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
    # The history table indexes only what the history page, the audit log and the monthly
    # follow-up count read (complaint_indexes).
    history = history(
        excluded_fields=["complainant_phone_norm", "complainant_email_norm", "complainant_id_norm"],
        no_db_index=complaint_indexes.HISTORY_UNINDEXED,
        indexes=complaint_indexes.HISTORY_INDEXES,
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
        # Each named and commented with the query it serves, in complaint_indexes.
        indexes = complaint_indexes.INDEXES
        constraints = complaint_indexes.CONSTRAINTS

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
    # a refusal; each body sets only the milestone that goes with the move. Each method's name
    # is an action of complaints.actions (its words) and of complaints.services (its writer).
    # received → classified → assigned → resolved → followed_up → closed
    #   received → rejected; any open state → withdrawn; followed_up (dissatisfied) → assigned
    #   an appeal against a refusal: handling → resolved; its original: rejected → classified
    #   no change of state: escalate (one tier up), approve_remedy
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
