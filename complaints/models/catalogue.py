"""The managed code lists: categories of complaints and root causes (溯源), two levels each."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models.base import history


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
