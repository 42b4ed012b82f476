"""F17: the bureau's register of qualified providers (有资质的机构, M2): create and change an entry of
the officer's region, and warn the region's officers before a qualification expires.

Schools and families only ever see providers still qualified (selectors.providers_for_school)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities.models import Provider
from audit import services as audit
from notices.services import notification_send
from schools.models import Region, User
from schools.selectors import region_officers

# Days before the qualification ends at which the region's officers are told, widest first. Each
# provider is announced once per threshold (and per expiry date: a renewed licence starts again).
EXPIRY_ALERT_DAYS = (30, 7)

PROVIDER_FIELDS = ("name", "licence", "qualification", "scope", "valid_until", "contact")


def provider_save(
    *,
    region: Region,
    name: str,
    licence: str,
    qualification: str,
    scope: str,
    valid_until: datetime.date,
    contact: str = "",
    actor: User | None,
    provider: Provider | None = None,
) -> Provider:
    """Create or change a register entry of the region. Raises ValidationError(code="licence_taken")."""
    licence = licence.strip()
    taken = Provider.objects.filter(licence=licence).exclude(pk=getattr(provider, "pk", None))
    if taken.exists():
        raise ValidationError(
            _("Another provider is registered with that licence number."), code="licence_taken"
        )
    with transaction.atomic():
        provider = provider or Provider(region=region)
        before = {f: str(getattr(provider, f, "")) for f in PROVIDER_FIELDS} if provider.pk else {}
        provider.name = name.strip()
        provider.licence = licence
        provider.qualification = qualification.strip()
        provider.scope = scope.strip()
        provider.valid_until = valid_until
        provider.contact = contact.strip()
        verb = "provider.update" if provider.pk else "provider.create"
        provider.save()
        changes = {
            f: str(getattr(provider, f))
            for f in PROVIDER_FIELDS
            if before.get(f) != str(getattr(provider, f))
        }
        audit.record(actor=actor, verb=verb, target=provider, changes=changes)
    return provider


def provider_due_threshold(valid_until: datetime.date, today: datetime.date) -> int | None:
    """The tightest alert threshold the provider has reached today, or None (expired or not yet due)."""
    left = (valid_until - today).days
    if left < 0:
        return None
    reached = [days for days in EXPIRY_ALERT_DAYS if left <= days]
    return min(reached) if reached else None


def providers_expiry_alert(*, today: datetime.date | None = None) -> int:
    """Beat: tell the officers of each provider's region that its qualification ends soon. Looks for
    due rows, so a missed run catches up; each provider, threshold and officer once (dedupe key)."""
    today = today or timezone.localdate()
    horizon = today + datetime.timedelta(days=max(EXPIRY_ALERT_DAYS))
    due = Provider.objects.filter(valid_until__gte=today, valid_until__lte=horizon).select_related("region")
    sent = 0
    officers: dict[int, list[User]] = {}
    for provider in due:
        threshold = provider_due_threshold(provider.valid_until, today)
        if threshold is None:
            continue
        if provider.region_id not in officers:
            officers[provider.region_id] = region_officers(provider.region_id)
        for officer in officers[provider.region_id]:
            notification_send(
                recipient=officer,
                kind="activities/provider_expiring",
                link=reverse("activities:provider-edit", kwargs={"provider_code": provider.code}),
                dedupe_key=f"provider-expiring:{provider.code}:{provider.valid_until.isoformat()}:{threshold}:{officer.pk}",
                provider=provider,
                days_left=(provider.valid_until - today).days,
            )
            sent += 1
    return sent
