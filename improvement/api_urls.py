"""The corrective-actions API, mounted at ``/api/`` by ``config.urls`` before
``complaints.api.urls`` (whose catch-all answers every other address under /api/ with 404)."""

from __future__ import annotations

from django.urls import path

from improvement import api

app_name = "improvement_api"

urlpatterns = [
    path("v1/actions/", api.ActionListView.as_view(), name="actions"),
    path("v1/actions/<int:pk>/", api.ActionDetailView.as_view(), name="action"),
    *[
        path(f"v1/actions/<int:pk>/{name}/", view.as_view(), name=f"action-{name}")
        for name, view in api.TRANSITION_VIEWS.items()
    ],
]
