"""SLA policies may apply to appeals against a refusal (不予受理复查) only, and one is seeded:
such an appeal is decided within 15 working days of its receipt, and followed up within 7 days
(editable in the admin like every policy; the seeds' offices allow 15 to 30 days)."""

from django.db import migrations, models

NAME = "Appeals against refusals (不予受理复查)"


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    SlaPolicy.objects.get_or_create(
        name=NAME,
        defaults={
            "refusal_appeals": True,
            "resolution_amount": 15,
            "resolution_unit": "working_days",
            "resolution_from": "received",
            "follow_up_amount": 7,
            "follow_up_unit": "days",
            "max_extensions": 0,
            "notes": "An appeal against a refusal is decided by a manager who did not refuse "
            "the complaint, within 15 working days of its receipt.",
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0009_root_causes_accountability_transfers"),
        ("escalation", "0007_remedy_approvals_and_field_names"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="slapolicy",
            name="slapolicy_one_active_per_scope",
        ),
        migrations.AddField(
            model_name="historicalslapolicy",
            name="refusal_appeals",
            field=models.BooleanField(
                default=False,
                help_text="Applies only to appeals against a refusal (不予受理复查), and to them before any other policy.",
                verbose_name="appeals against refusals",
            ),
        ),
        migrations.AddField(
            model_name="slapolicy",
            name="refusal_appeals",
            field=models.BooleanField(
                default=False,
                help_text="Applies only to appeals against a refusal (不予受理复查), and to them before any other policy.",
                verbose_name="appeals against refusals",
            ),
        ),
        migrations.AddConstraint(
            model_name="slapolicy",
            constraint=models.UniqueConstraint(
                condition=models.Q(("active", True)),
                fields=("refusal_appeals", "priority", "category", "department"),
                name="slapolicy_one_active_per_scope",
                nulls_distinct=False,
                violation_error_message="Another active policy already covers this priority, category and department.",
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
