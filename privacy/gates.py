"""Account gate (schools.middleware.AccountGatesMiddleware): a guardian who consented under an
earlier privacy notice accepts the new one before any other page."""

from privacy import services
from schools import access


def notice_gate(request) -> str | None:
    # The request's cached scope: no query for staff, who never hold a guardian's consent.
    guardian_id = access.scope(request.user).guardian_id
    if guardian_id is None:
        return None
    return "privacy:notice" if services.consent_needs_renewal(guardian=guardian_id) else None
