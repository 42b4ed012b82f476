from django.urls import path

from activities import views, views_providers, views_region

app_name = "activities"
urlpatterns = [
    path("terms/", views.term_list, name="term-list"),
    path("terms/new/", views.term_create, name="term-create"),
    path("terms/<uuid:term_code>/", views.term_edit, name="term-edit"),
    # F15: a new term from an earlier one, and the sessions of its copied groups.
    path("terms/<uuid:term_code>/copy/", views.term_copy, name="term-copy"),
    path("terms/<uuid:term_code>/sessions/", views.term_sessions_confirm, name="term-sessions-confirm"),
    path("terms/<uuid:term_code>/closures/", views.term_closure_add, name="term-closure-add"),
    path("terms/<uuid:term_code>/makeup-days/", views.term_makeup_days, name="term-makeup-days"),
    path("venues/", views.venue_list, name="venue-list"),
    path("venues/new/", views.venue_create, name="venue-create"),
    path("venues/<uuid:venue_code>/", views.venue_edit, name="venue-edit"),
    # F12: cancel or move the future sessions of a venue closed by an inspection finding.
    path("venues/<uuid:venue_code>/sessions/", views.venue_sessions, name="venue-sessions"),
    path("list/", views.activity_list, name="activity-list"),
    path("new/", views.activity_create, name="activity-create"),
    path("<uuid:activity_code>/", views.activity_edit, name="activity-edit"),
    path("<uuid:activity_code>/checklist/", views.activity_checklist, name="activity-checklist"),
    path("groups/", views.group_list, name="group-list"),
    path("groups/new/", views.group_create, name="group-create"),
    path("groups/<uuid:group_code>/", views.group_detail, name="group-detail"),
    path("groups/<uuid:group_code>/edit/", views.group_edit, name="group-edit"),
    path("timetable/", views.timetable, name="timetable"),
    path("my/", views.my_sessions, name="my-sessions"),
    # Calendar apps subscribe without a session: the signed token in ?token= says whose feed it is.
    path("my/calendar.ics", views.ical_feed, name="ical-feed"),
    path("my/calendar/replace/", views.ical_rotate, name="ical-rotate"),
    path("workload/", views.workload, name="workload"),
    # F11: the State Council's yearly schedule, entered by province officers.
    path("calendar/", views.calendar_years, name="calendar-years"),
    path("calendar/<int:year>/", views.calendar_year, name="calendar-year"),
    # F17: the region's rules in its bureau's hands, and the bureau's content review.
    path("region-rules/", views_region.region_rules_list, name="region-rules-list"),
    path("region-rules/<str:region_code>/", views_region.region_rules, name="region-rules"),
    path("content-review/", views_region.content_review_list, name="content-review-list"),
    path("content-review/<uuid:review_code>/", views_region.content_review, name="content-review"),
]

# F17: the bureau's register of qualified providers.
urlpatterns += [
    path("providers/", views_providers.provider_register, name="provider-register"),
    path("providers/new/", views_providers.provider_create, name="provider-create"),
    path("providers/<uuid:provider_code>/", views_providers.provider_edit, name="provider-edit"),
]
