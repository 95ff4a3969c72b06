from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints.signals import complaint_changed
        from intake import signals

        complaint_changed.connect(
            signals.complaint_changed, dispatch_uid="intake.signals.complaint_changed"
        )
