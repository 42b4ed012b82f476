from django.urls import path

from oversight.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("reports/", views.report_list, name="report-list"),
    path("reports/prepare/", views.report_prepare, name="report-prepare"),
    path("reports/<uuid:term_report_code>/", views.report_detail, name="report-detail"),
    path("reports/<uuid:term_report_code>/edit/", views.report_edit, name="report-edit"),
    path("reports/<uuid:term_report_code>/submit/", views.report_submit, name="report-submit"),
    path("reports/<uuid:term_report_code>/return/", views.report_return, name="report-return"),
    path("reports/<uuid:term_report_code>/accept/", views.report_accept, name="report-accept"),
    path("ranking/", views.ranking, name="ranking"),
    path("ranking/export/", views.ranking_export, name="ranking-export"),
    path("weights/", views.weights, name="weights"),
    path("scores/<uuid:school_code>/", views.school_score, name="school-score"),
    path("practices/", views.practice_list, name="practice-list"),
    path("practices/new/", views.practice_new, name="practice-new"),
    path("practices/<uuid:practice_code>/", views.practice_detail, name="practice-detail"),
    path("practices/<uuid:practice_code>/decide/", views.practice_decide, name="practice-decide"),
]
