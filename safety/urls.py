from django.urls import path  # noqa: F401  (each section below adds its pages)

from safety.views import attendance as attendance_views
from safety.views import care_records as care_record_views
from safety.views import gate as gate_views
from safety.views import incidents as incident_views
from safety.views import inspections as inspection_views
from safety.views import leave as leave_views
from safety.views import offcampus as offcampus_views
from safety.views import plans as plan_views
from safety.views import release as release_views
from safety.views import responsibility as responsibility_views

app_name = "safety"

urlpatterns = []

# --- attendance, leave, handover, release, pick-up codes, still-here board ------------------------
urlpatterns += [
    # Teachers (phone first).
    path("today/", attendance_views.today, name="today"),
    path("sessions/<uuid:session_code>/", attendance_views.session, name="session"),
    path("sessions/history/", attendance_views.history, name="history"),
    path("sessions/<uuid:session_code>/sheet.pdf", attendance_views.session_sheet, name="session-sheet"),
    path("sessions/<uuid:session_code>/roll/", attendance_views.roll_call, name="roll-call"),
    path("sessions/<uuid:session_code>/duty/", attendance_views.duty_handover, name="duty-handover"),
    path("sessions/<uuid:session_code>/release/", release_views.release_list, name="release-list"),
    path(
        "sessions/<uuid:session_code>/release/<uuid:student_code>/",
        release_views.release_child,
        name="release-child",
    ),
    path(
        "handovers/<uuid:handover_code>/confirm/", attendance_views.handover_confirm, name="handover-confirm"
    ),
    # Class teachers.
    path("class/", attendance_views.class_home, name="class-home"),
    path("class/<uuid:class_code>/", attendance_views.class_day, name="class-day"),
    # Parents.
    path("family/", leave_views.family, name="family"),
    path("family/<uuid:student_code>/leave/", leave_views.leave_report, name="leave-report"),
    path("family/<uuid:student_code>/pickup-code/", leave_views.pickup_code, name="pickup-code"),
    path("leave/<uuid:leave_code>/cancel/", leave_views.leave_cancel, name="leave-cancel"),
    # The school: the still-here board, the gate's pick-up check, the records.
    path("still-here/", release_views.still_here, name="still-here"),
    path("pickup-check/", release_views.gate, name="pickup-check"),
    path("attendance/", care_record_views.records, name="attendance-records"),
    path("attendance/export/", care_record_views.records_export, name="records-export"),
]

# --- gate register, inspections, emergency plans, duty roster, incidents --------------------------
# Safety records are append-only: these pages add records (an exit, a sign-off, a new version, a
# follow-up); none edits or deletes one (tests/safety/test_records_append_only.py checks).
urlpatterns += [
    path("gate/", gate_views.gate, name="gate"),
    path("gate/register/", gate_views.gate_register, name="gate-register"),
    path("gate/<uuid:gate_entry_code>/exit/", gate_views.gate_exit, name="gate-exit"),
    path("inspections/", inspection_views.overview, name="inspections"),
    path("inspections/venues/<uuid:venue_code>/", inspection_views.venue_safety, name="venue-safety"),
    path(
        "inspections/venues/<uuid:venue_code>/new/",
        inspection_views.inspection_create,
        name="inspection-create",
    ),
    path("inspections/<uuid:inspection_code>/", inspection_views.inspection_detail, name="inspection-detail"),
    path("findings/<uuid:finding_code>/", inspection_views.finding_detail, name="finding-detail"),
    path("plans/", plan_views.plan_list, name="plans"),
    path("plans/new/", plan_views.plan_create, name="plan-create"),
    path("plans/<uuid:plan_code>/", plan_views.plan_detail, name="plan-detail"),
    path("plans/<uuid:plan_code>/review/", plan_views.plan_review, name="plan-review"),
    path("plans/<uuid:plan_code>/drill/", plan_views.plan_drill, name="plan-drill"),
    path("plans/<uuid:plan_code>/document/", plan_views.plan_document, name="plan-document"),
    path("responsibility/", responsibility_views.overview, name="responsibility"),
    path(
        "responsibility/groups/<uuid:group_code>/officer/",
        responsibility_views.group_officer,
        name="group-officer",
    ),
    path("duty/", responsibility_views.duty_roster, name="duty-roster"),
    path("incidents/", incident_views.incident_list, name="incidents"),
    path("incidents/new/", incident_views.incident_create, name="incident-create"),
    path("incidents/<uuid:incident_code>/", incident_views.incident_detail, name="incident-detail"),
    path(
        "incidents/<uuid:incident_code>/follow-up/",
        incident_views.incident_follow_up,
        name="incident-follow-up",
    ),
    path(
        "incidents/<uuid:incident_code>/bureau/",
        incident_views.incident_notify_bureau,
        name="incident-notify-bureau",
    ),
    path("incidents/<uuid:incident_code>/close/", incident_views.incident_close, name="incident-close"),
    path("off-campus/", offcampus_views.overview, name="offcampus"),
    path("off-campus/<uuid:activity_code>/", offcampus_views.activity_record, name="offcampus-activity"),
]
