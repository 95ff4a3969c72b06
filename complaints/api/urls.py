from django.urls import path  # noqa: F401 - filled in by the REST API issue

app_name = "api"
urlpatterns: list = []
