"""The default refusal notices (0002) give the standard explanation of their ground
(``reason_explanation``, one text per refusal reason) after the reason. A template staff have
edited since (its seeded sentence is gone) is left as it is: add the variable in the admin."""

from django.db import migrations

EXPLANATION = "{% if reason_explanation %}{{ reason_explanation }}\n{% endif %}"
LETTER_EXPLANATION = "{% if reason_explanation %}{{ reason_explanation }}\n\n{% endif %}"

# (language, channel, the seeded sentence, what follows it)
INSERTIONS = [
    ("zh-hans", "email", "{% if reason %}\n不予受理的理由：{{ reason }}\n{% endif %}", EXPLANATION),
    (
        "zh-hans",
        "letter",
        "不予受理的理由：{% if reason %}{{ reason }}{% else %}见所附说明。{% endif %}\n\n",
        LETTER_EXPLANATION,
    ),
    ("en", "email", "{% if reason %}\nReason: {{ reason }}\n{% endif %}", EXPLANATION),
    (
        "en",
        "letter",
        "Reason: {% if reason %}{{ reason }}{% else %}see the enclosed note.{% endif %}\n\n",
        LETTER_EXPLANATION,
    ),
]


def add_explanations(apps, schema_editor):
    MessageTemplate = apps.get_model("correspondence", "MessageTemplate")
    for language, channel, sentence, insertion in INSERTIONS:
        for template in MessageTemplate.objects.filter(
            purpose="refusal", channel=channel, language=language
        ):
            if sentence in template.body and "reason_explanation" not in template.body:
                template.body = template.body.replace(sentence, sentence + insertion, 1)
                template.save(update_fields=["body"])


def remove_explanations(apps, schema_editor):
    MessageTemplate = apps.get_model("correspondence", "MessageTemplate")
    for _language, _channel, sentence, insertion in INSERTIONS:
        for template in MessageTemplate.objects.filter(purpose="refusal"):
            if sentence + insertion in template.body:
                template.body = template.body.replace(sentence + insertion, sentence, 1)
                template.save(update_fields=["body"])


class Migration(migrations.Migration):
    dependencies = [("correspondence", "0002_default_templates")]

    operations = [migrations.RunPython(add_explanations, remove_explanations)]
