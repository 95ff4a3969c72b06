from django.urls import include, path

from correspondence import views

app_name = "correspondence"

urlpatterns = [
    path("", include("correspondence.survey_urls")),
    path("", include("correspondence.sms.urls")),
    # Under /complaints/<reference>/: config.urls includes this module before complaints.urls.
    path("complaints/<str:reference>/write/", views.write, name="write"),
    path(
        "complaints/<str:reference>/messages/<int:pk>/retry/",
        views.retry,
        name="retry",
    ),
    path(
        "complaints/<str:reference>/messages/<int:pk>/posted/",
        views.mark_posted,
        name="posted",
    ),
]
