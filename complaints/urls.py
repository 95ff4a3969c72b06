from django.urls import path
from django.views.generic import RedirectView

app_name = "complaints"
urlpatterns = [
    # Replaced by the staff workspace (dashboards, list, complaint page).
    path("", RedirectView.as_view(url="/admin/", permanent=False), name="home"),
]
