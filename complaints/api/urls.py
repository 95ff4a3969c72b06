"""The REST API, mounted at ``/api/`` by ``config/urls.py``."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView

from complaints.api import records, reference, refusal_appeals, views
from complaints.api.serializers import SERVICE_TO_SLUG

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    path("v1/auth/token/", views.TokenView.as_view(), name="token"),
    path("v1/complaints/", views.ComplaintListView.as_view(), name="complaints"),
    path(
        "v1/complaints/<str:reference>/",
        views.ComplaintDetailView.as_view(),
        name="complaint",
    ),
    path(
        "v1/complaints/<str:reference>/history/",
        records.HistoryView.as_view(),
        name="complaint-history",
    ),
    path(
        "v1/complaints/<str:reference>/notes/", records.NotesView.as_view(), name="complaint-notes"
    ),
    path(
        "v1/complaints/<str:reference>/attachments/",
        records.AttachmentsView.as_view(),
        name="complaint-attachments",
    ),
    path(
        "v1/complaints/<str:reference>/attachments/<str:attachment_id>/",
        records.AttachmentDownloadView.as_view(),
        name="complaint-attachment",
    ),
    *[
        # One address per action: /api/v1/complaints/C-2026-000123/follow-up/ → services.follow_up
        path(
            f"v1/complaints/<str:reference>/{SERVICE_TO_SLUG[name]}/",
            view.as_view(),
            name=f"complaint-{SERVICE_TO_SLUG[name]}",
        )
        for name, view in views.TRANSITION_VIEWS.items()
    ],
    path(
        "v1/complaints/<str:reference>/decide-refusal-appeal/",
        refusal_appeals.DecideRefusalAppealView.as_view(),
        name="complaint-decide-refusal-appeal",
    ),
    path("v1/departments/", reference.DepartmentListView.as_view(), name="departments"),
    path("v1/categories/", reference.CategoryListView.as_view(), name="categories"),
    path("v1/root-causes/", reference.RootCauseListView.as_view(), name="root-causes"),
    # Anything else under /api/ is a 404 in the API's error body, not Django's HTML page.
    re_path(r"^", views.not_found, name="not-found"),
]
