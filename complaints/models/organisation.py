"""The organisation: departments, staff tiers and the profile that links a login to both."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.models.base import history


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
