"""The parent's journeys (api/views/parent*.py)."""

from django.urls import path

from api.views import parent

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
]
