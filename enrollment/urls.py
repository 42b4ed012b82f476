from django.urls import path

from enrollment.views import family, review, school_admin

app_name = "enrollment"
urlpatterns = [
    # Parents (the notifications' link lands here).
    path("", family.family, name="family"),
    path("providers/", family.providers, name="providers"),
    path("children/<uuid:student_code>/notice/", family.notice_acknowledge, name="notice-acknowledge"),
    path("children/<uuid:student_code>/survey/", family.survey, name="survey"),
    path("children/<uuid:student_code>/apply/", family.apply, name="apply"),
    path("applications/<uuid:application_code>/edit/", family.application_edit, name="application-edit"),
    path(
        "applications/<uuid:application_code>/withdraw/",
        family.application_withdraw,
        name="application-withdraw",
    ),
    path("placements/<uuid:placement_code>/decline/", family.placement_decline, name="placement-decline"),
    # Class teachers.
    path("review/", review.queue, name="review"),
    path("review/approve/", review.bulk_approve, name="review-bulk-approve"),
    path("review/<uuid:application_code>/", review.detail, name="review-detail"),
    # School admins.
    path("admin/", school_admin.home, name="admin"),
    path("admin/<uuid:term_code>/", school_admin.term, name="admin-term"),
    path("admin/<uuid:term_code>/notice/", school_admin.notice, name="admin-notice"),
    path("admin/surveys/", school_admin.surveys, name="admin-surveys"),
    path("admin/<uuid:term_code>/survey/", school_admin.survey, name="admin-survey"),
    path("admin/<uuid:term_code>/survey/edit/", school_admin.survey_edit, name="admin-survey-edit"),
    path("admin/<uuid:term_code>/survey/open/", school_admin.survey_open, name="admin-survey-open"),
    path("admin/<uuid:term_code>/survey/close/", school_admin.survey_close, name="admin-survey-close"),
    path("admin/<uuid:term_code>/placement/", school_admin.placement, name="admin-placement"),
    path("admin/<uuid:term_code>/placement/run/", school_admin.placement_run, name="placement-run"),
    path(
        "admin/<uuid:term_code>/placement/publish/", school_admin.placement_publish, name="placement-publish"
    ),
    path("admin/<uuid:term_code>/second-round/", school_admin.second_round_open, name="second-round-open"),
    path("admin/placements/<uuid:placement_code>/move/", school_admin.placement_move, name="placement-move"),
]
