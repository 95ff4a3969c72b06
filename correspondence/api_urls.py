"""The messages API, mounted at ``/api/`` by ``config.urls`` before ``complaints.api.urls``
(whose catch-all answers every other address under /api/ with a 404)."""

from __future__ import annotations

from django.urls import path

from correspondence import api

app_name = "correspondence_api"

urlpatterns = [
    path("v1/complaints/<str:reference>/messages/", api.MessagesView.as_view(), name="messages"),
    path(
        "v1/complaints/<str:reference>/messages/preview/",
        api.PreviewView.as_view(),
        name="messages-preview",
    ),
    path(
        "v1/complaints/<str:reference>/messages/<str:message_id>/retry/",
        api.RetryView.as_view(),
        name="message-retry",
    ),
    path(
        "v1/complaints/<str:reference>/messages/<str:message_id>/posted/",
        api.PostedView.as_view(),
        name="message-posted",
    ),
]
