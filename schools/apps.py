from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools and people")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from schools import account_state
        from schools.middleware import session_mark_seen

        # Infrastructure: saves and deletes that change an account's state bump its cache stamp.
        account_state.connect_hooks()
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: account_state.warm(user),
            dispatch_uid="schools.account_state_warm",
            weak=False,
        )

        # Infrastructure, not domain logic: the idle-timeout clock starts when the session does.
        user_logged_in.connect(
            lambda sender, request, user, **kwargs: (
                session_mark_seen(request) if request is not None else None
            ),
            dispatch_uid="schools.session_mark_seen",
            weak=False,
        )
