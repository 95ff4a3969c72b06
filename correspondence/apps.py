from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CorrespondenceConfig(AppConfig):
    """Talking to the complainant: templates (话术库), the one outbox of emails, text messages
    and letters, the SMS gateways, written notices as PDF, and the satisfaction survey."""

    name = "correspondence"
    verbose_name = _("Correspondence")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from correspondence import signals  # noqa: F401 - connects its receivers
