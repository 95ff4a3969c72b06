from django.urls import path  # noqa: F401 - filled in by the escalation issue

app_name = "escalation"
urlpatterns: list = []
