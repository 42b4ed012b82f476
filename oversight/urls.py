from django.urls import path

from oversight import views, views_reports

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views_reports.reports, name="reports"),
    path("reports/<uuid:report_code>/", views_reports.report_detail, name="report-detail"),
    path("reports/<uuid:report_code>/status/", views_reports.report_status, name="report-status"),
    path("reports/<uuid:report_code>/download/", views_reports.report_download, name="report-download"),
]
