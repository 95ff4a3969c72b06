from django.urls import path  # noqa: F401 - filled in by the intake issue

app_name = "intake"
urlpatterns: list = []
