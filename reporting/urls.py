"""Reporting's addresses. Included before complaints.urls, so the history page at
/complaints/<reference>/history/ is served here (agreed deviation: the audit views live in the
reporting app, which owns the hash chain they show)."""

from django.urls import path, register_converter

from reporting import (
    accountability_api,
    accountability_views,
    api,
    cause_api,
    cause_views,
    period_api,
    period_views,
    regulator_views,
    views,
)


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
    path("reports/accountability/", accountability_views.accountability, name="accountability"),
    path(
        "reports/accountability/export.<str:fmt>",
        accountability_views.accountability_export,
        name="accountability_export",
    ),
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
    # Quarterly and annual reports. Plain integers, so that a year or quarter that cannot be
    # reported on (Q5, year 1, 9999) reaches the view and gets a page saying why.
    path(
        "reports/quarterly/<int:year>/Q<int:quarter>/",
        period_views.quarterly,
        name="quarterly",
    ),
    path(
        "reports/quarterly/<int:year>/Q<int:quarter>/figures.<str:fmt>",
        period_views.quarterly_figures,
        name="quarterly_figures",
    ),
    path(
        "reports/quarterly/<int:year>/Q<int:quarter>/complaints.<str:fmt>",
        period_views.quarterly_complaints,
        name="quarterly_complaints",
    ),
    path("reports/annual/<int:year>/", period_views.annual, name="annual"),
    path(
        "reports/annual/<int:year>/figures.<str:fmt>",
        period_views.annual_figures,
        name="annual_figures",
    ),
    path(
        "reports/annual/<int:year>/complaints.<str:fmt>",
        period_views.annual_complaints,
        name="annual_complaints",
    ),
    path(
        "api/v1/reports/quarterly/<int:year>/<int:quarter>/",
        period_api.QuarterlyReportView.as_view(),
        name="api_quarterly",
    ),
    path(
        "api/v1/reports/annual/<int:year>/",
        period_api.AnnualReportView.as_view(),
        name="api_annual",
    ),
    # The regulator and hotline export (format redress-regulator/1); period 2026-11, 2026-Q4
    # or 2026. ``export.csv``, ``export.xlsx`` and ``summary.csv``.
    path(
        "reports/regulator/<str:period>/export.<str:fmt>",
        regulator_views.export,
        name="regulator_export",
    ),
    path(
        "reports/regulator/<str:period>/summary.csv",
        regulator_views.summary,
        name="regulator_summary",
    ),
    path(
        "api/v1/reports/regulator/<str:period>/",
        regulator_views.RegulatorExportView.as_view(),
        name="api_regulator",
    ),
    path(
        "api/v1/reports/accountability/",
        accountability_api.AccountabilityReportView.as_view(),
        name="api_accountability",
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
