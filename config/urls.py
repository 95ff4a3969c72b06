from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # intake first: /complaints/new/ must win over /complaints/<reference>/.
    path("", include("intake.urls")),
    path("", include("escalation.urls")),
    path("", include("reporting.urls")),
    path("", include("correspondence.urls")),
    path("", include("improvement.urls")),
    # Before complaints.api.urls, whose catch-all would answer /api/v1/.../messages/ with 404.
    path("api/", include("correspondence.api_urls")),
    path("api/", include("improvement.api_urls")),
    path("api/", include("complaints.api.urls")),
    path("", include("complaints.urls")),
]

handler403 = "complaints.error_pages.forbidden"
handler404 = "complaints.error_pages.not_found"
handler500 = "complaints.error_pages.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
