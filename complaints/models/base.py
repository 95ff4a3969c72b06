"""What every model of the core shares: history tables with the action column."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


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
