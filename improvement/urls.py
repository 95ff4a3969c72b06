from django.urls import path

from improvement import views

app_name = "improvement"

urlpatterns = [
    path("improvement/actions/", views.action_list, name="action_list"),
    path("improvement/actions/new/", views.action_create, name="action_create"),
    path("improvement/actions/<int:pk>/", views.action_detail, name="action_detail"),
    path("improvement/actions/<int:pk>/edit/", views.action_edit, name="action_edit"),
    path("improvement/actions/<int:pk>/evidence/", views.action_evidence, name="action_evidence"),
    path("improvement/actions/<int:pk>/link/", views.action_link, name="action_link"),
    path(
        "improvement/actions/<int:pk>/unlink/<str:reference>/",
        views.action_unlink,
        name="action_unlink",
    ),
    path(
        "improvement/actions/<int:pk>/<str:name>/",
        views.action_transition,
        name="action_transition",
    ),
]
