"""Where each seeded time limit counts from (DOMAIN.md, "Exact definitions"): acceptance
decision from receipt, first reply from receipt, follow-up from resolution (the defaults the
columns were added with), and for the government-office policy the handling time limit from
acceptance (自受理之日起), not from receipt.

The seeded policy is found by its seeded name and its working-day units; a renamed or
re-purposed copy is left as it is (edit it in the admin).
"""

from django.db import migrations

GOVERNMENT_OFFICE = "Government office (信访)"


def handling_from_acceptance(apps, schema_editor):
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    SlaPolicy.objects.filter(
        name=GOVERNMENT_OFFICE, acceptance_unit="working_days", resolution_unit="working_days"
    ).update(resolution_from="accepted")


class Migration(migrations.Migration):
    dependencies = [("escalation", "0003_slapolicy_target_starts")]

    operations = [migrations.RunPython(handling_from_acceptance, migrations.RunPython.noop)]
