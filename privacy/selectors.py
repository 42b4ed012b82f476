"""Reads for the privacy pages, scoped to the signed-in guardian."""

from django.shortcuts import get_object_or_404

from privacy.models import ConsentRecord


def consents_for(user):
    """A guardian's own consent records; nobody else's (schools see them in the admin)."""
    guardian = getattr(user, "guardian", None)
    if guardian is None:
        return ConsentRecord.objects.none()
    return ConsentRecord.objects.filter(guardian=guardian).select_related("student", "notice")


def consent_get(*, user, code) -> ConsentRecord:
    return get_object_or_404(consents_for(user), code=code)
