from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import deadline_flags
        from escalation import checks, signals, years  # noqa: F401 - connects receivers and checks

        deadline_flags.register_provisional_check(years.deadlines_provisional)
