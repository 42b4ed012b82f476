"""The parent's journeys (api/views/parent*.py)."""

from django.urls import path

from api.views import parent, parent_care

urlpatterns = [
    path("children/", parent.children, name="parent-children"),
    path("children/<uuid:student_code>/notice/", parent.notice_acknowledge, name="parent-notice-acknowledge"),
    path(
        "children/<uuid:student_code>/applications/",
        parent.application_create,
        name="parent-application-create",
    ),
    path("children/<uuid:student_code>/leave/", parent.leave_create, name="parent-leave-create"),
    path("applications/", parent.application_list, name="parent-application-list"),
    path(
        "applications/<uuid:application_code>/", parent.application_update, name="parent-application-update"
    ),
    path(
        "applications/<uuid:application_code>/withdraw/",
        parent.application_withdraw,
        name="parent-application-withdraw",
    ),
    path("leave/<uuid:leave_code>/cancel/", parent.leave_cancel, name="parent-leave-cancel"),
    path("children/<uuid:student_code>/survey/", parent_care.survey, name="parent-survey"),
    path("children/<uuid:student_code>/placement/", parent_care.placement, name="parent-placement"),
    path("children/<uuid:student_code>/attendance/", parent_care.attendance, name="parent-attendance"),
    path("children/<uuid:student_code>/pickups/", parent_care.pickups, name="parent-pickups"),
    path("pickups/<uuid:pickup_code>/end/", parent_care.pickup_end, name="parent-pickup-end"),
    path("children/<uuid:student_code>/pickup-code/", parent_care.pickup_code, name="parent-pickup-code"),
]
