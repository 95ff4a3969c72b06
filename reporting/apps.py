from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import panels
        from reporting import cause_views, signals

        signals.connect()
        # "Recurring causes" in the menu under the user's name (issue 16).
        panels.register_nav_link(cause_views.nav_link)
