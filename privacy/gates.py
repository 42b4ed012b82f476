"""Account gate (schools.middleware.AccountGatesMiddleware): a guardian who consented under an
earlier privacy notice accepts the new one before any other page."""

from django.db.models import QuerySet, Subquery

from privacy import services
from privacy.models import ConsentRecord, PrivacyNotice
from schools import access, account_state


def notice_gate(request) -> str | None:
    # The request's cached scope: no query for staff, who never hold a guardian's consent.
    guardian_id = access.scope(request.user).guardian_id
    if guardian_id is None:
        return None
    found = account_state.facts(request.user)
    if found is None:
        owed = services.consent_needs_renewal(guardian=guardian_id)
    else:  # the facts the request loaded (account_rows below): no query
        versions = {a for _t, a, _b in found.get("consent", ())}
        current = next((a for _t, a, _b in found.get("notice", ())), None)
        owed = bool(versions) and current not in versions
    return "privacy:notice" if owed else None


def account_rows(user_id) -> list[QuerySet]:
    """The gate's facts for schools.account_state (settings.ACCOUNT_STATE_SOURCES): the notice
    versions of the guardian's live personal-data consents, and the current notice's version."""
    latest = PrivacyNotice.objects.order_by("-version").values("version")[:1]
    return [
        account_state.columns(
            ConsentRecord.objects.filter(
                guardian__user_id=user_id, purpose=services.PERSONAL, withdrawn_at=None
            ),
            "consent",
            a="notice__version",
        ),
        account_state.columns(PrivacyNotice.objects.filter(version=Subquery(latest)), "notice", a="version"),
    ]
