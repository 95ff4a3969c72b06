from django.urls import path  # noqa: F401 - filled in by the reporting issue

app_name = "reporting"
urlpatterns: list = []
