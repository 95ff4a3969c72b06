"""The working-day calendar: calendars, their exceptional days, and each loaded year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from complaints.models import history
from escalation.calendar import DayKind

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
