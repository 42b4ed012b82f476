"""All of oversight's pages, one namespace: the dashboard and generated reports under /oversight/,
term reports upward, scores, ranking and good practice under /evaluation/, supervision visits and the
school's documents under /supervision/."""

from django.urls import include, path

from oversight.evaluation import views as evaluation
from oversight.reports import views as reports
from oversight.summaries import views as summaries
from oversight.supervision import views as supervision

app_name = "oversight"

dashboard_patterns = [
    path("", summaries.dashboard, name="dashboard"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<uuid:report_code>/", reports.report_detail, name="report-detail"),
    path("reports/<uuid:report_code>/status/", reports.report_status, name="report-status"),
    path("reports/<uuid:report_code>/download/", reports.report_download, name="report-download"),
]

evaluation_patterns = [
    path("reports/", evaluation.report_list, name="term-report-list"),
    path("reports/prepare/", evaluation.report_prepare, name="term-report-prepare"),
    path("reports/<uuid:term_report_code>/", evaluation.report_detail, name="term-report-detail"),
    path("reports/<uuid:term_report_code>/edit/", evaluation.report_edit, name="term-report-edit"),
    path("reports/<uuid:term_report_code>/submit/", evaluation.report_submit, name="term-report-submit"),
    path("reports/<uuid:term_report_code>/return/", evaluation.report_return, name="term-report-return"),
    path("reports/<uuid:term_report_code>/accept/", evaluation.report_accept, name="term-report-accept"),
    path("ranking/", evaluation.ranking, name="ranking"),
    path("ranking/export/", evaluation.ranking_export, name="ranking-export"),
    path("weights/", evaluation.weights, name="weights"),
    path("scores/<uuid:school_code>/", evaluation.school_score, name="school-score"),
    path("practices/", evaluation.practice_list, name="practice-list"),
    path("practices/new/", evaluation.practice_new, name="practice-new"),
    path("practices/<uuid:practice_code>/", evaluation.practice_detail, name="practice-detail"),
    path("practices/<uuid:practice_code>/decide/", evaluation.practice_decide, name="practice-decide"),
]

# F17: supervision visits and their findings, the school's documents (rules, safety education).
supervision_patterns = [
    path("visits/", supervision.visit_list, name="visit-list"),
    path("visits/new/", supervision.visit_create, name="visit-create"),
    path("visits/<uuid:visit_code>/", supervision.visit_detail, name="visit-detail"),
    path("findings/<uuid:visit_finding_code>/answer/", supervision.finding_answer, name="finding-answer"),
    path("evidence/<uuid:evidence_code>/", supervision.evidence_download, name="evidence-download"),
    path("documents/", supervision.document_list, name="document-list"),
    path("documents/new/", supervision.document_upload, name="document-upload"),
    path("documents/<uuid:document_code>/", supervision.document_download, name="document-download"),
]

urlpatterns = [
    path("oversight/", include(dashboard_patterns)),
    path("supervision/", include(supervision_patterns)),
    path("evaluation/", include(evaluation_patterns)),
]
