from django.db import transaction

from audit import services as audit
from schools.models import User


@transaction.atomic
def user_password_changed(*, user: User) -> User:
    """The user chose a new password: lift the forced change. Raises nothing."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    audit.record(actor=user, verb="user.password_change", target=user)
    return user


def user_language_set(*, user: User, language: str) -> User:
    """Remember the language the user chose, for e-mails sent to them. Raises nothing."""
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
    return user
