"""The staff's journeys: service teacher (api/views/staff.py), class teacher (staff_class.py), gate
guard (staff_gate.py)."""

from django.urls import path

from api.views import staff, staff_class, staff_gate

urlpatterns = [
    # Service teachers (and class teachers, school admins: the sessions they run).
    path("sessions/", staff.today, name="staff-today"),
    path("sessions/<uuid:session_code>/", staff.session, name="staff-session"),
    path("sessions/<uuid:session_code>/roll-call/", staff.roll_call, name="staff-roll-call"),
    path(
        "sessions/<uuid:session_code>/children/<uuid:student_code>/",
        staff.release_child,
        name="staff-release-child",
    ),
    path(
        "sessions/<uuid:session_code>/children/<uuid:student_code>/release/",
        staff.release,
        name="staff-release",
    ),
    path("handovers/<uuid:handover_code>/confirm/", staff.handover_confirm, name="staff-handover-confirm"),
    # Class teachers.
    path("review/", staff_class.review_queue, name="staff-review"),
    path("review/<uuid:application_code>/decide/", staff_class.review_decide, name="staff-review-decide"),
    path("classes/", staff_class.class_days, name="staff-classes"),
    path("classes/<uuid:class_code>/handover/", staff_class.class_handover, name="staff-class-handover"),
    # Gate guards (and school admins).
    path("pickup-check/", staff_gate.pickup_check, name="staff-pickup-check"),
]
