from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImprovementConfig(AppConfig):
    name = "improvement"
    verbose_name = _("Improvement")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from complaints import panels
        from improvement import views

        # The complaint page lists the corrective actions that address it.
        panels.register_detail_panel(views.complaint_actions_panel)
        panels.register_nav_link(views.nav_link)
