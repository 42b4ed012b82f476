"""Reads for the guardian's page "who viewed my child's data" (PIPL art. 44/45, 知情权; F12).

A guardian sees, for each view of their child's data that the access log holds: when, which page
(in words, not a URL), and who — by role and school: a member of staff by name, role and school (a
family knows its class teacher by name anyway, and a name is what a complaint needs), a bureau
officer by role and region, the platform's administrators as such, and another guardian of the
child by relationship only. Their own views are left out. A fixed number of queries per page.
"""

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.urls import Resolver404, resolve
from django.utils.translation import gettext_lazy as _

from audit import services as audit
from audit.models import AccessLog
from schools.models import Guardianship, Membership, Role, Student, User

PAGE_SIZE = 30

# What each page shows, in words a family understands (URL name → label).
PAGES = {
    "home": _("class list (class teacher's home page)"),
    "schools:class-detail": _("class roster"),
    "schools:student-list": _("student list"),
    "schools:student-detail": _("the child's record"),
    "schools:student-edit": _("the child's record"),
    "schools:guardian-add": _("the child's record"),
    "schools:pickup-restrict": _("pick-up persons' list"),
    "enrollment:placement-move": _("placement into activity groups"),
    "schools:guardian-list": _("guardians' list"),
    "schools:guardian-detail": _("guardian's record"),
    "schools:pickup-list": _("pick-up persons' list"),
    "schools:roster-export": _("roster export (Excel)"),
    "schools:family-child": _("the child's page for guardians"),
    "schools:family-child-access": _("this page (who viewed the child's data)"),
    "safety:session": _("session and roll call"),
    "safety:roll-call": _("session and roll call"),
    "safety:duty-handover": _("session and roll call"),
    "safety:release-list": _("release at the end of the day"),
    "safety:release-child": _("release at the end of the day"),
    "safety:still-here": _("still-here board"),
    "safety:pickup-check": _("pick-up check at the gate"),
    "safety:class-day": _("class teacher's day"),
    "safety:attendance-records": _("attendance records"),
    "safety:records-export": _("attendance export (Excel)"),
    "safety:incident-detail": _("incident report"),
    "enrollment:review": _("class review of applications"),
    "enrollment:review-detail": _("class review of applications"),
    "enrollment:admin-placement": _("placement into activity groups"),
}
ADMIN_PAGE = _("system administration (Django admin)")
OTHER_PAGE = _("another page of the portal")


def page_label(path: str):
    try:
        match = resolve(path)
    except Resolver404:
        return OTHER_PAGE
    if match.namespace == "admin" or match.app_name == "admin":
        return ADMIN_PAGE
    return PAGES.get(match.view_name, OTHER_PAGE)


@dataclass(frozen=True)
class Viewer:
    kind: str  # staff, bureau, platform, guardian, other
    name: str  # a staff member's name; empty for the others
    roles: list  # role labels
    where: str  # the school, or the bureau's region
    relationship: str = ""  # another guardian's relationship to the child


@dataclass(frozen=True)
class AccessRow:
    at: datetime.datetime
    viewer: Viewer
    page: str


def _name(user: User) -> str:
    return f"{user.last_name}{user.first_name}" or user.username


def child_access_log(*, student: Student, viewer, page_number=None) -> tuple[Page, list[AccessRow]]:
    """Views of the child's data by anyone but `viewer`, newest first, one page (4 queries)."""
    logs = AccessLog.objects.filter(target_type=audit.STUDENT, target_id=str(student.code)).exclude(
        user=viewer
    )
    page = Paginator(logs.order_by("-at", "-id"), PAGE_SIZE).get_page(page_number)
    entries = list(page.object_list)
    user_ids = {e.user_id for e in entries}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids)}
    roles: dict[int, list] = {}
    bureau: dict[int, tuple[list, str]] = {}
    for m in Membership.objects.filter(user_id__in=user_ids).select_related("region").order_by("role"):
        if m.role == Role.BUREAU_OFFICER:
            labels, _where = bureau.setdefault(m.user_id, ([], m.region.name))
            labels.append(Role(m.role).label)
        elif m.school_id == student.school_id and Role(m.role).label not in roles.get(m.user_id, []):
            roles.setdefault(m.user_id, []).append(Role(m.role).label)
    guardians = dict(
        Guardianship.objects.filter(student=student, guardian__user_id__in=user_ids).values_list(
            "guardian__user_id", "relationship"
        )
    )
    viewers: dict[int, Viewer] = {}
    for pk in user_ids:
        user = users[pk]
        if pk in roles:
            viewers[pk] = Viewer("staff", _name(user), roles[pk], student.school.name)
        elif pk in guardians:
            viewers[pk] = Viewer("guardian", "", [], "", relationship=guardians[pk])
        elif pk in bureau:
            viewers[pk] = Viewer("bureau", "", bureau[pk][0], bureau[pk][1])
        elif user.is_staff or user.is_superuser:
            viewers[pk] = Viewer("platform", "", [], "")
        else:  # e.g. a teacher who has since left the school
            viewers[pk] = Viewer("other", _name(user), [], "")
    rows = [AccessRow(at=e.at, viewer=viewers[e.user_id], page=page_label(e.path)) for e in entries]
    return page, rows
