"""Helpers shared by the F6 services (gate, inspections, plans, roster, incidents, off-campus)."""

from schools.models import Membership, Role, School, User

STAFF_ROLES = (Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER, Role.GATE_GUARD)


def on_staff(user: User, school: School, roles=STAFF_ROLES) -> bool:
    """The user holds one of these roles at the school."""
    return Membership.objects.filter(user=user, school=school, role__in=roles, user__is_active=True).exists()
