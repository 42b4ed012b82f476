from django.urls import path  # noqa: F401  (each section below adds its pages)

from schools.views import bureau, family, home, school_admin
from schools.views import roster as roster_views

app_name = "schools"

urlpatterns = []

# --- home pages per role and the bureau's read-only drill-down (schools/views/home.py) -------
urlpatterns += [
    path("bureau/schools/<uuid:school_code>/", home.bureau_school, name="bureau-school"),
    path("links/<uuid:link_code>/", home.guardian_link_decide, name="guardian-link-decide"),
]

# --- school admin screens and parents' pick-up persons (schools/views/school_admin.py, family.py)
urlpatterns += [
    path("manage/classes/", school_admin.class_list, name="class-list"),
    path("manage/classes/<uuid:class_code>/", school_admin.class_detail, name="class-detail"),
    path("manage/staff/", school_admin.staff_list, name="staff-list"),
    path(
        "manage/staff/<uuid:membership_code>/remove/",
        school_admin.membership_remove,
        name="membership-remove",
    ),
    path("manage/students/", school_admin.student_list, name="student-list"),
    path("manage/students/<uuid:student_code>/", school_admin.student_detail, name="student-detail"),
    path("manage/students/<uuid:student_code>/edit/", school_admin.student_edit, name="student-edit"),
    path(
        "manage/students/<uuid:student_code>/guardians/add/",
        school_admin.guardian_add,
        name="guardian-add",
    ),
    path("manage/guardians/", school_admin.guardian_list, name="guardian-list"),
    path("manage/guardians/<uuid:guardian_code>/", school_admin.guardian_detail, name="guardian-detail"),
    path(
        "manage/guardians/<uuid:guardian_code>/children/<uuid:student_code>/",
        school_admin.guardianship_manage,
        name="guardianship-manage",
    ),
    path("manage/pickups/", school_admin.pickup_list, name="pickup-list"),
    path(
        "manage/pickups/<uuid:pickup_code>/restrict/",
        school_admin.pickup_restrict,
        name="pickup-restrict",
    ),
    path(
        "manage/pickups/<uuid:pickup_code>/unrestrict/",
        school_admin.pickup_unrestrict,
        name="pickup-unrestrict",
    ),
    path("manage/settings/", school_admin.school_settings, name="school-settings"),
    path("family/children/<uuid:student_code>/", family.child, name="family-child"),
    path("family/children/<uuid:student_code>/pickups/add/", family.pickup_add, name="family-pickup-add"),
    path("family/children/<uuid:student_code>/access/", family.child_access, name="family-child-access"),
    path("family/pickups/<uuid:pickup_code>/end/", family.pickup_end, name="family-pickup-end"),
]

# --- roster import and export (schools/views/roster.py) -------------------------------------
urlpatterns += [
    path("roster/import/", roster_views.roster_import, name="roster-import"),
    path(
        "roster/imports/<uuid:import_code>/", roster_views.roster_import_detail, name="roster-import-detail"
    ),
    path(
        "roster/imports/<uuid:import_code>/progress/",
        roster_views.roster_import_progress,
        name="roster-import-progress",
    ),
    path(
        "roster/imports/<uuid:import_code>/columns/",
        roster_views.roster_import_columns,
        name="roster-import-columns",
    ),
    path("roster/rollover/", roster_views.rollover_page, name="rollover"),
    path("roster/export/", roster_views.roster_export, name="roster-export"),
    path("roster/template/", roster_views.roster_template, name="roster-template"),
    path("roster/activation-slips/", roster_views.activation_slips, name="activation-slips"),
    path(
        "manage/guardians/<uuid:guardian_code>/activation/",
        school_admin.guardian_activation_reissue,
        name="guardian-activation-reissue",
    ),
    path(
        "manage/staff/<uuid:membership_code>/activation/",
        school_admin.staff_activation_reissue,
        name="staff-activation-reissue",
    ),
]

# --- F17: the bureau's schools and accounts of its region (schools/views/bureau.py) ------------
urlpatterns += [
    path("region/schools/", bureau.region_schools, name="region-schools"),
    path("region/schools/new/", bureau.region_school_create, name="region-school-create"),
    path("region/schools/<uuid:school_code>/", bureau.region_school_edit, name="region-school-edit"),
    path("region/accounts/", bureau.region_accounts, name="region-accounts"),
    path(
        "region/accounts/<uuid:region_membership_code>/disable/",
        bureau.region_account_disable,
        name="region-account-disable",
    ),
]
