from django.urls import include, path

app_name = "correspondence"

urlpatterns = [
    path("", include("correspondence.survey_urls")),
    path("", include("correspondence.sms.urls")),
]
