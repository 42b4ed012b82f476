from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = _("Safety")

    def ready(self):
        # --- a venue with an open critical inspection finding hosts no new sessions (M4). ---
        # activities sits on a lower floor and cannot import safety: it keeps a registry.
        from activities import services as activities_services
        from safety.services import inspections

        if inspections.venue_blocker not in activities_services.VENUE_BLOCKERS:
            activities_services.VENUE_BLOCKERS.append(inspections.venue_blocker)
