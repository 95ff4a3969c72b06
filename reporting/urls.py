"""Reporting's addresses. Included before complaints.urls, so the history page at
/complaints/<reference>/history/ is served here (agreed deviation: the audit views live in the
reporting app, which owns the hash chain they show)."""

from django.urls import path, register_converter

from reporting import api, cause_api, cause_views, views


class YearConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):04d}"


class MonthConverter:
    regex = "(?:0[1-9]|1[0-2])"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return f"{int(value):02d}"


register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")

app_name = "reporting"
urlpatterns = [
    path("reports/", views.reports_home, name="home"),
    path("reports/recurring-causes/", cause_views.recurring_causes, name="recurring_causes"),
    path("reports/monthly/<yyyy:year>/<mm:month>/", views.monthly, name="monthly"),
    path(
        "reports/monthly/<yyyy:year>/<mm:month>/figures.<str:fmt>",
        views.export_figures,
        name="export_figures",
    ),
    path(
        "reports/monthly/<yyyy:year>/<mm:month>/complaints.<str:fmt>",
        views.export_complaints,
        name="export_complaints",
    ),
    path(
        "api/v1/reports/monthly/<yyyy:year>-<mm:month>/",
        api.MonthlyReportView.as_view(),
        name="api_monthly",
    ),
    path(
        "api/v1/reports/recurring-causes/",
        cause_api.RecurringCausesView.as_view(),
        name="api_recurring_causes",
    ),
    path("complaints/<str:reference>/history/", views.complaint_history, name="history"),
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
    path("audit/chain/", views.audit_chain, name="audit_chain"),
]
