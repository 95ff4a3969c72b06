"""URLs of the public satisfaction survey page (included by correspondence.urls)."""

from django.urls import path

from correspondence import survey_views

urlpatterns = [
    # Signed tokens use the URL-safe base64 alphabet plus ":" (django.core.signing).
    path("survey/<str:token>/", survey_views.survey_page, name="survey"),
]
