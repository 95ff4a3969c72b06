"""Create one Django group per tier with its permissions.

Run once: after this, the groups belong to the operator, who may change them in the admin.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ALL = [
    "view_complaint",
    "view_note",
    "view_communication",
    "view_attachment",
    "view_department",
    "view_category",
    "view_staffprofile",
]
FRONTLINE = VIEW_ALL + [
    "change_complaint",
    "classify_complaint",
    "reject_complaint",
    "assign_complaint",
    "resolve_complaint",
    "follow_up_complaint",
    "reopen_complaint",
    "close_complaint",
    "withdraw_complaint",
    "escalate_complaint",
    "add_note",
    "add_communication",
    "add_attachment",
]
MANAGER = FRONTLINE + [
    "assign_across_departments",
    "approve_remedy",
    "handle_major_complaint",
]
GM = MANAGER + [
    "close_dissatisfied_complaint",
    "add_department",
    "change_department",
    "add_category",
    "change_category",
    "add_staffprofile",
    "change_staffprofile",
]
GROUPS = {
    "Frontline": FRONTLINE,
    "Department manager": MANAGER,
    "General manager": GM,
    "Auditor": VIEW_ALL,
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after migrate; this migration needs them now.
    app_config = apps.get_app_config("complaints")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="complaints", codename__in=codenames
        )
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
