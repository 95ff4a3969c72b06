from django.urls import path

from intake import views

app_name = "intake"
urlpatterns = [
    path("complaints/new/", views.register, name="register"),
]
