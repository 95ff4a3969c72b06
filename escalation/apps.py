from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("Escalation")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import deadline_flags
        from complaints import queues as core_queues
        from escalation import (  # noqa: F401 - receivers, checks
            checks,
            contest_notices,
            queues,
            signals,
            years,
        )

        deadline_flags.register_provisional_check(years.deadlines_provisional)
        # The core's "waiting for my approval" queue: the requests this app keeps.
        core_queues.register_approval_condition(queues.approval_condition)
