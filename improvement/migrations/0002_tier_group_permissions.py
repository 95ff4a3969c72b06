"""Give the tier groups (created by complaints 0002_tier_groups) the corrective-action
permissions. Run once: after this, the groups belong to the operator, who may change them in
the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = ["view_correctiveaction", "view_actioncomplaint"]
# Frontline staff may own an action: they start it and complete it with evidence.
FRONTLINE = VIEW + ["start_correctiveaction", "complete_correctiveaction"]
MANAGER = FRONTLINE + [
    "add_correctiveaction",
    "change_correctiveaction",
    "verify_correctiveaction",
    "cancel_correctiveaction",
    "add_actioncomplaint",
    "delete_actioncomplaint",
]
GROUPS = {
    "Frontline": FRONTLINE,
    "Department manager": MANAGER,
    "General manager": MANAGER,
    "Auditor": VIEW,
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate; this migration needs them now.
    app_config = apps.get_app_config("improvement")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = Permission.objects.filter(
            content_type__app_label="improvement", codename__in=codenames
        )
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("improvement", "0001_corrective_actions"),
        ("complaints", "0002_tier_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
