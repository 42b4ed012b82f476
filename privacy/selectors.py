"""Reads for the privacy pages, scoped to the signed-in guardian."""

from privacy.models import ConsentRecord
from schools import access


def consents_for(user):
    """A guardian's own consent records; nobody else's (schools see them in the admin)."""
    guardian = getattr(user, "guardian", None)
    if guardian is None:
        return ConsentRecord.objects.none()
    return ConsentRecord.objects.filter(guardian=guardian).select_related("student", "notice")


def get_consent_for_user(*, user, code) -> ConsentRecord:
    return access.get_or_404(consents_for(user), code=code)
