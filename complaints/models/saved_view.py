"""A named list filter, personal or shared with a department (``complaints.saved_views``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.base import history
from complaints.models.organisation import Department


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
