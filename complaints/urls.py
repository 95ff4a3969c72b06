"""The staff workspace. Included last at "" by config.urls, so the other apps' addresses under
/complaints/ (intake's /complaints/new/, the history page /complaints/<reference>/history/)
win over /complaints/<reference>/."""

from django.urls import path

from complaints import refusal_appeal_views, saved_view_pages, views

app_name = "complaints"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("complaints/", views.complaint_list, name="list"),
    # Before complaints/<reference>/: "bulk" and "export" are not references.
    path("complaints/bulk/", views.bulk_action, name="bulk"),
    path("complaints/export/<str:fmt>/", views.export_list, name="export"),
    # Saved views, before complaints/<reference>/ (which would take "views" for a reference).
    # The header's jump box, before complaints/<reference>/ ("jump" is not a reference).
    path("complaints/jump/", views.jump, name="jump"),
    path("complaints/views/", saved_view_pages.save_view, name="save_view"),
    path("complaints/views/<int:pk>/", saved_view_pages.open_view, name="open_view"),
    path("complaints/views/<int:pk>/rename/", saved_view_pages.rename_view, name="rename_view"),
    path("complaints/views/<int:pk>/delete/", saved_view_pages.delete_view, name="delete_view"),
    path("complaints/<str:reference>/", views.complaint_detail, name="detail"),
    path(
        "complaints/<str:reference>/transitions/<str:name>/",
        views.transition,
        name="transition",
    ),
    path("complaints/<str:reference>/assign-to-me/", views.assign_to_me, name="assign_to_me"),
    path(
        "complaints/<str:reference>/refusal-appeal/",
        refusal_appeal_views.decide,
        name="decide_refusal_appeal",
    ),
    path("complaints/<str:reference>/notes/", views.add_note, name="add_note"),
    path(
        "complaints/<str:reference>/communications/",
        views.log_communication,
        name="log_communication",
    ),
    path("complaints/<str:reference>/attachments/", views.add_attachment, name="add_attachment"),
    path(
        "complaints/<str:reference>/attachments/<int:pk>/",
        views.download_attachment,
        name="attachment",
    ),
]
