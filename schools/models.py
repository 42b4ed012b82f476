from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class User(AbstractUser):
    """A person who signs in: parent, teacher, guard, school admin or bureau officer."""

    # Mainland mobile numbers, normalised to 11 digits; parents sign in with it.
    mobile = models.CharField(_("mobile number"), max_length=11, null=True, blank=True)
    must_change_password = models.BooleanField(_("must change password at next login"), default=False)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.UniqueConstraint(fields=["mobile"], name="user_mobile_unique"),
            models.CheckConstraint(
                condition=models.Q(language__in=LANGUAGE_CODES), name="user_language_valid"
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username
