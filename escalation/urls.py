from django.urls import path

from escalation import views

app_name = "escalation"
urlpatterns = [
    path("escalation/due-soon/", views.due_soon, name="due_soon"),
    path("escalation/requests/", views.requests, name="requests"),
    path("escalation/complaints/<str:reference>/", views.complaint, name="complaint"),
    path("escalation/complaints/<str:reference>/escalate/", views.escalate, name="escalate"),
    path("escalation/complaints/<str:reference>/pause/", views.pause, name="pause"),
    path("escalation/complaints/<str:reference>/resume/", views.resume, name="resume"),
    path("escalation/complaints/<str:reference>/extension/", views.extension, name="extension"),
    path(
        "escalation/complaints/<str:reference>/remedy-approval/",
        views.remedy_approval,
        name="remedy_approval",
    ),
    path("escalation/pauses/<int:pk>/decide/", views.decide_pause, name="decide_pause"),
    path(
        "escalation/remedy-approvals/<int:pk>/refuse/",
        views.refuse_remedy,
        name="refuse_remedy",
    ),
    path(
        "escalation/extensions/<int:pk>/decide/",
        views.decide_extension,
        name="decide_extension",
    ),
]
