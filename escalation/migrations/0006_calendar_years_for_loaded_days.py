"""A ``CalendarYear`` for every year whose days are already in a calendar with a holiday
country (2024-2026 from the seeds, and any year ``sync_holidays`` added since).

A year whose package days include moved working days (调休) was announced by the State Council
when the package release was made, so it is recorded as confirmed; a year without them (the
package only computed the festival dates) is provisional until an administrator confirms it.
"""

from django.db import migrations
from django.db.models.functions import ExtractYear
from django.utils import timezone


def record_years(apps, schema_editor):
    WorkCalendar = apps.get_model("escalation", "WorkCalendar")
    CalendarDay = apps.get_model("escalation", "CalendarDay")
    CalendarYear = apps.get_model("escalation", "CalendarYear")
    now = timezone.now()
    rows = []
    for calendar in WorkCalendar.objects.exclude(holiday_country=""):
        kinds: dict[int, set[str]] = {}
        for year, kind in (
            CalendarDay.objects.filter(calendar=calendar, source="package")
            .annotate(year=ExtractYear("day"))
            .values_list("year", "kind")
            .distinct()
        ):
            kinds.setdefault(year, set()).add(kind)
        for year, found in sorted(kinds.items()):
            announced = calendar.holiday_country == "CN" and "workday" in found
            rows.append(
                CalendarYear(
                    calendar=calendar,
                    year=year,
                    status="confirmed" if announced else "provisional",
                    loaded_at=now,
                    confirmed_at=now if announced else None,
                    note="Recorded by migration 0006: the package listed this year's 调休."
                    if announced
                    else "",
                )
            )
    CalendarYear.objects.bulk_create(rows, ignore_conflicts=True)


GROUPS = {
    "Frontline": ["view_calendaryear"],
    "Department manager": ["view_calendaryear"],
    "General manager": ["view_calendaryear", "change_calendaryear"],
    "Auditor": ["view_calendaryear"],
}


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("escalation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label="escalation", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("escalation", "0005_calendar_year")]

    operations = [
        migrations.RunPython(record_years, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
