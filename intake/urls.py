from django.urls import path, re_path

from intake import open311, transfer_api, views

app_name = "intake"
urlpatterns = [
    # Staff
    path("complaints/new/", views.register, name="register"),
    path("complaints/new/earlier/", views.earlier, name="earlier"),
    path("complaints/<str:reference>/duplicates/", views.duplicates, name="duplicates"),
    # Public
    path("submit/", views.submit, name="submit"),
    path("submit/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/<str:reference>/", views.track_detail, name="track_detail"),
    path("track/<str:reference>/appeal/", views.appeal, name="appeal"),
    # Transfers from a regulator or hotline platform (intake.transfers)
    path("api/v1/transfers/", transfer_api.TransferListView.as_view(), name="api_transfers"),
    path(
        "api/v1/transfers/<str:platform>/<str:reference>/",
        transfer_api.TransferStatusView.as_view(),
        name="api_transfer",
    ),
    # Open311 GeoReport v2
    re_path(r"^open311/v2/discovery\.(?P<fmt>json|xml)$", open311.discovery, name="o311_discovery"),
    re_path(
        r"^open311/v2/services\.(?P<fmt>json|xml)$", open311.service_list, name="o311_services"
    ),
    re_path(
        r"^open311/v2/services/(?P<service_code>[^/]+)\.(?P<fmt>json|xml)$",
        open311.service_definition,
        name="o311_service",
    ),
    re_path(r"^open311/v2/requests\.(?P<fmt>json|xml)$", open311.requests, name="o311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<service_request_id>[^/]+)\.(?P<fmt>json|xml)$",
        open311.request_detail,
        name="o311_request",
    ),
    re_path(r"^open311/v2/(?P<rest>.*)$", open311.unknown),
]
