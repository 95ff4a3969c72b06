"""API addresses of responsibility contests; included by config.urls before the core API,
whose catch-all would otherwise answer them with 404."""

from django.urls import path

from complaints import accountability_api as views

app_name = "accountability_api"
urlpatterns = [
    path(
        "v1/complaints/<str:reference>/contest/",
        views.ContestView.as_view(),
        name="contest",
    ),
    path("v1/contests/<int:pk>/decide/", views.DecideView.as_view(), name="decide"),
]
