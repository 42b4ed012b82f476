from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnrollmentConfig(AppConfig):
    name = "enrollment"
    verbose_name = _("Enrollment")

    def ready(self):
        # F11: when the official calendar cancels sessions, the families placed in the group are
        # told. activities sits on a lower floor and cannot import enrollment: it keeps a registry.
        from activities import services as activities_services
        from enrollment import selectors, services

        if selectors.families_of_cancelled_sessions not in activities_services.SESSION_AUDIENCES:
            activities_services.SESSION_AUDIENCES.append(selectors.families_of_cancelled_sessions)
        # F12: a group changed in activities (capacity raised, new days) fills its seats from its
        # wait list through the one promotion path.
        if services.waitlist_promote not in activities_services.SEATS_CHANGED:
            activities_services.SEATS_CHANGED.append(services.waitlist_promote)
        if services.group_days_check not in activities_services.SLOT_CHECKS:
            activities_services.SLOT_CHECKS.append(services.group_days_check)
        # F15: a term copied from an earlier one gets its notice and survey as drafts.
        if services.term_drafts_copy not in activities_services.TERM_COPIED:
            activities_services.TERM_COPIED.append(services.term_drafts_copy)
