"""The years a date or time typed into Redress may fall in, and the form fields that hold to them.

Every date and time a person or a client types (a time received, a promised reply, a contact,
a pause, a proposed deadline, a filter of a list or of the audit log, a date in the admin)
passes through one check:
its year must lie between ``EARLIEST_YEAR`` and ``LATEST_YEAR``. Two reasons:

* Years at the edge of the calendar overflow. ``0001-01-01T00:00`` typed in Asia/Shanghai is
  31 December of year 0 in UTC, which Python cannot represent: comparing it with ``now()``,
  converting it for the database, or adding a day to ``9999-12-31`` raises ``OverflowError``
  (a 500). Checked first, on the value as typed, a bounded year leaves ample room for any
  time-zone offset and any day added later.
* Far-off years are typing mistakes, never real complaint dates. A promised reply in 9999
  would sit in every deadline list for ever.

The API uses the same check (``complaints.api.serializers.BoundedDateTimeField``), so a value
the staff form refuses, the API refuses with the same message, and the other way round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Complaints handled by Redress are received, answered and reported on in these years.
# 2000 leaves room for importing the archive of an older system; 2099 for any deadline.
EARLIEST_YEAR = 2000
LATEST_YEAR = 2099

OUT_OF_RANGE = _("Enter a date between the years %(earliest)s and %(latest)s.")


def out_of_range() -> ValidationError:
    return ValidationError(
        OUT_OF_RANGE,
        code="out_of_range",
        params={"earliest": EARLIEST_YEAR, "latest": LATEST_YEAR},
    )


def in_bounds(value: dt.date | dt.datetime) -> bool:
    """Whether the year of ``value`` lies in the bounds (for values read from a page cursor or
    another token the product wrote itself: one outside them was tampered with)."""
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def validate_year(value: dt.date | dt.datetime | None) -> None:
    """Refuse a date or datetime whose year (as typed, before any time-zone conversion) lies
    outside ``EARLIEST_YEAR``..``LATEST_YEAR``. A validator for form and serializer fields."""
    if value is not None and not in_bounds(value):
        raise out_of_range()


class _Bounded:
    """Shared by the date and the datetime field: the year check runs as the field's validator
    (before any ``clean_<field>`` compares the value with ``now()``), an ``OverflowError`` from
    parsing or from the time-zone conversion (only ever at the calendar's edges) is refused
    with the same message, and the browser's date picker is told the same bounds."""

    default_validators = [validate_year]
    input_min = ""
    input_max = ""

    def to_python(self, value: Any):
        try:
            return super().to_python(value)
        except OverflowError as exc:
            raise out_of_range() from exc

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", None) in ("date", "datetime-local"):
            attrs.setdefault("min", self.input_min)
            attrs.setdefault("max", self.input_max)
        return attrs


class BoundedDateField(_Bounded, forms.DateField):
    input_min = f"{EARLIEST_YEAR}-01-01"
    input_max = f"{LATEST_YEAR}-12-31"


class BoundedDateTimeField(_Bounded, forms.DateTimeField):
    input_min = f"{EARLIEST_YEAR}-01-01T00:00"
    input_max = f"{LATEST_YEAR}-12-31T23:59"


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date-and-time pair, held to the same bounds (its validators run on the
    combined value)."""

    default_validators = [validate_year]

    def compress(self, data_list):
        try:
            return super().compress(data_list)
        except OverflowError as exc:
            raise out_of_range() from exc


def admin_overrides() -> dict:
    """``ModelAdmin.formfield_overrides`` that hold the admin's date inputs to the bounds."""
    return {
        models.DateTimeField: {
            "form_class": BoundedSplitDateTimeField,
            "widget": widgets.AdminSplitDateTime,
        },
        models.DateField: {"form_class": BoundedDateField, "widget": widgets.AdminDateWidget},
    }
