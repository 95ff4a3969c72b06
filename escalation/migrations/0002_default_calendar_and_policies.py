"""Ship the defaults from DOMAIN.md, all editable in the admin afterwards:

- the default working calendar (Asia/Shanghai, 09:00-18:00, Saturday and Sunday off) with the
  public holidays and moved working days (调休) of 2024-2026 from the ``holidays`` package;
  later years come from ``manage.py sync_holidays --year N`` once announced;
- the standard policies per priority (classify within 30 minutes, first reply within 24 hours,
  resolve within 72 hours — 48 for urgent and major — follow up within 7 days; urgent complaints
  escalate after 15 minutes with frontline and 30 with the department manager, the store rule;
  major complaints start with the manager and go to the general manager after 30 minutes);
- two alternatives, inactive: government-office style (accept within 3 working days, handle
  within 30 working days, one extension) and banking/insurance style (15 days, extendable);
- permissions: the general manager edits policies and calendars; every tier reads the records.
"""

import datetime as dt

from django.contrib.auth.management import create_permissions
from django.db import migrations

SEED_YEARS = [2024, 2025, 2026]


def seed(apps, schema_editor):
    import holidays

    WorkCalendar = apps.get_model("escalation", "WorkCalendar")
    CalendarDay = apps.get_model("escalation", "CalendarDay")
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")

    calendar, _ = WorkCalendar.objects.get_or_create(
        name="China (mainland)",
        defaults={
            "time_zone": "Asia/Shanghai",
            "opens": dt.time(9, 0),
            "closes": dt.time(18, 0),
            "weekend": "6,7",
            "is_default": True,
            "holiday_country": "CN",
        },
    )
    cn = holidays.country_holidays("CN", years=SEED_YEARS)
    rows = {}
    for day, name in sorted(cn.items()):
        rows[day] = CalendarDay(
            calendar=calendar, day=day, kind="holiday", name=name, source="package"
        )
    for day in sorted(getattr(cn, "weekend_workdays", ())):
        if day.year in SEED_YEARS:
            rows[day] = CalendarDay(
                calendar=calendar, day=day, kind="workday", name="调休", source="package"
            )
    CalendarDay.objects.bulk_create(rows.values(), ignore_conflicts=True)

    standard = {
        "acceptance_amount": 30,
        "acceptance_unit": "minutes",
        "first_response_amount": 24,
        "first_response_unit": "hours",
        "follow_up_amount": 7,
        "follow_up_unit": "days",
        "max_extensions": 2,
        "extension_amount": 24,
        "extension_unit": "hours",
    }
    policies = [
        {
            "name": "Standard — normal",
            "priority": "normal",
            "resolution_amount": 72,
            "resolution_unit": "hours",
            "notes": "DOMAIN.md: classify within 30 minutes, first reply 24 h, resolve 48-72 h.",
            **standard,
        },
        {
            "name": "Standard — urgent",
            "priority": "urgent",
            "resolution_amount": 48,
            "resolution_unit": "hours",
            "frontline_budget_amount": 15,
            "frontline_budget_unit": "minutes",
            "manager_budget_amount": 30,
            "manager_budget_unit": "minutes",
            "notes": "Store rule: escalate if frontline has not settled it in 15 minutes, "
            "the department manager in 30; then the general manager.",
            **standard,
        },
        {
            "name": "Standard — major",
            "priority": "major",
            "resolution_amount": 48,
            "resolution_unit": "hours",
            "manager_budget_amount": 30,
            "manager_budget_unit": "minutes",
            "notes": "Major complaints start with the department manager and are reported to "
            "the general manager, who takes them over after 30 minutes.",
            **standard,
        },
        {
            "name": "Government office (信访)",
            "priority": "",
            "active": False,
            "acceptance_amount": 3,
            "acceptance_unit": "working_days",
            "resolution_amount": 30,
            "resolution_unit": "working_days",
            "max_extensions": 1,
            "extension_amount": 30,
            "extension_unit": "working_days",
            "notes": "Decide acceptance within 3 working days, handle within 30 working days; "
            "one extension of at most 30 days. Activate it (and deactivate the standard "
            "policies) to use it.",
        },
        {
            "name": "Banking and insurance (15 days)",
            "priority": "",
            "active": False,
            "first_response_amount": 24,
            "first_response_unit": "hours",
            "resolution_amount": 15,
            "resolution_unit": "days",
            "max_extensions": 2,
            "extension_amount": 15,
            "extension_unit": "days",
            "notes": "Decide within 15 days; complex cases 30 days; 30 more with internal "
            "approval. Activate it (and deactivate the standard policies) to use it.",
        },
    ]
    for fields in policies:
        name = fields.pop("name")
        fields.setdefault("active", True)
        SlaPolicy.objects.get_or_create(name=name, defaults={**fields, "calendar": calendar})


READ = ["view_slapolicy", "view_workcalendar", "view_calendarday", "view_escalation",
        "view_clockpause", "view_extensionrequest"]
EDIT = ["add_slapolicy", "change_slapolicy", "add_workcalendar", "change_workcalendar",
        "add_calendarday", "change_calendarday", "delete_calendarday"]
GROUPS = {
    "Frontline": READ,
    "Department manager": READ,
    "General manager": READ + EDIT,
    "Auditor": READ,
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("escalation")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="escalation", codename__in=codenames
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0001_sla_policies_calendar_and_records"),
        ("complaints", "0002_tier_groups"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
