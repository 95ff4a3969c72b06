"""Addresses of the responsibility-contest pages (included by config.urls)."""

from django.urls import path

from complaints import accountability_views as views

app_name = "accountability"
urlpatterns = [
    path("accountability/mine/", views.my_findings, name="mine"),
    path("accountability/mine/<str:reference>/contest/", views.contest, name="contest"),
    path("accountability/contests/", views.contests, name="contests"),
    path("accountability/contests/<int:pk>/decide/", views.decide, name="decide"),
]
