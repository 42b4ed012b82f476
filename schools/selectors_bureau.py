"""F17: reads for the bureau's pages about its region: its schools with their offers-service history
per term, and the officer and school-admin accounts it manages (scoped by schools.access)."""

from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from schools import access, schoolyear
from schools.models import Membership, Region, School

SERVICE_VERBS = ("school.save", "school.service_set")


@dataclass
class ServiceTerm:
    term: str  # "2026年秋季学期"
    offers_service: bool  # as it stood at the end of the term (or now)
    changes: list  # [(datetime, offers_service)] recorded in the term


def counties_for(user) -> QuerySet[Region]:
    """The county-level regions a bureau officer may register a school in."""
    return access.regions_for(user).filter(level=Region.Level.COUNTY).order_by("code")


def region_schools(user) -> QuerySet[School]:
    return access.region_schools_for(user).select_related("region").order_by("region__code", "identifier")


def _offers_after(event: AuditEvent) -> bool | None:
    changes = event.changes or {}
    if event.verb == "school.service_set":
        value = changes.get("offers_service")
        return bool(value[1]) if isinstance(value, list) and len(value) == 2 else None
    return bool(changes["now"]) if "now" in changes else None


def service_history(school: School) -> list[ServiceTerm]:
    """Whether the school offered the service, term by term, newest first, from its audited changes
    (school settings, the bureau's register); the current term shows today's state."""
    events = AuditEvent.objects.filter(
        target_type=School._meta.label_lower, target_id=str(school.code), verb__in=SERVICE_VERBS
    ).order_by("at", "pk")
    terms: OrderedDict[str, ServiceTerm] = OrderedDict()
    for event in events:
        state = _offers_after(event)
        if state is None:
            continue
        name = schoolyear.history_term(timezone.localtime(event.at).date()).name
        row = terms.setdefault(name, ServiceTerm(term=name, offers_service=state, changes=[]))
        row.offers_service = state
        row.changes.append((event.at, state))
    now = schoolyear.history_term(timezone.localdate()).name
    terms.setdefault(now, ServiceTerm(term=now, offers_service=school.offers_service, changes=[]))
    terms[now].offers_service = school.offers_service
    return sorted(terms.values(), key=lambda row: row.term, reverse=True)


def region_accounts(user) -> list[Membership]:
    """The officer and school-admin roles of the region, officers first."""
    return list(
        access.region_memberships_for(user)
        .select_related("user", "region", "school")
        .order_by("role", "region__code", "school__identifier", "user__username")
    )
