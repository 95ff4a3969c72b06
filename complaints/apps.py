from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import signals  # noqa: F401 - connects the history labeller
