"""Helpers shared by the F6 services (gate, inspections, plans, roster, incidents, off-campus)."""

from schools.models import Membership, Role, School, User

STAFF_ROLES = (Role.SCHOOL_ADMIN, Role.SERVICE_TEACHER, Role.CLASS_TEACHER, Role.GATE_GUARD)


def on_staff(user: User, school: School, roles=STAFF_ROLES) -> bool:
    """The user holds one of these roles at the school."""
    return Membership.objects.filter(user=user, school=school, role__in=roles, user__is_active=True).exists()


def school_admins(school: School) -> list[User]:
    """The school's admins, who receive its safety reminders."""
    return list(
        User.objects.filter(
            memberships__school=school, memberships__role=Role.SCHOOL_ADMIN, is_active=True
        ).distinct()
    )


def county_officers(school: School) -> list[User]:
    """The officers of the county bureau the school belongs to (its region is the county)."""
    return list(
        User.objects.filter(
            memberships__role=Role.BUREAU_OFFICER, memberships__region_id=school.region_id, is_active=True
        ).distinct()
    )
