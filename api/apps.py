from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Mobile app access")

    def ready(self):
        # Registers the schema extension of the token authentication with drf-spectacular.
        from api import schema  # noqa: F401
