"""Reads for the home page of each role and the bureau's read-only school page.

Everything starts from schools.access; each section costs a fixed number of queries however many
schools, classes or children there are. Rows handed to templates carry masked identifiers only.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from notices import selectors as notice_selectors
from schools import access, selectors, smallnumbers
from schools.models import (
    ClassGroup,
    Region,
    Role,
    School,
    Student,
    User,
    mask_tail,
)

# M2: the priority groups served first. The home pages count each one.
PRIORITY_GROUPS = [
    # key, Q on Student, short label for badges and table headings
    ("left_behind", Q(left_behind=True), _("Left-behind")),
    ("migrant", Q(migrant=True), _("Migrant workers' child")),
    ("low_income", Q(low_income=True), _("Low-income")),
    ("disability", Q(disability=True), _("Disability")),
    ("other", ~Q(other_priority_note=""), _("Other need")),
]
# Student.is_priority as a query.
PRIORITY_Q = reduce(or_, [q for _key, q, _label in PRIORITY_GROUPS])


def mobile_masked(mobile: str) -> str:
    """139****0001: enough for a teacher to recognise the number, not to copy it."""
    if len(mobile) != 11:
        return mask_tail(mobile)
    return f"{mobile[:3]}****{mobile[-4:]}"


def _count(queryset: QuerySet, outer: str) -> Coalesce:
    """COUNT(*) of queryset rows whose `outer` points at the enclosing row, as a subquery (no join
    fan-out, so several counts can sit side by side on one row)."""
    sub = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


# Counts only: the schools and classes they run on were scoped by access.py already.
_ACTIVE = Student.objects.filter(active=True)


# --- parent ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PickupRow:
    name: str
    relationship: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    state: str  # valid, upcoming, expired, ended, restricted
    restriction_reason: str


@dataclass(frozen=True)
class ChildCard:
    student: Student
    school: School
    class_name: str
    class_teacher: str
    pickups: list[PickupRow] = field(default_factory=list)


def children_for_parent(*, user, today: datetime.date) -> list[ChildCard]:
    """The user's own children (F13: not where the school ended or restricted the guardianship)
    with school, class, class teacher and pick-up persons (2 queries; none without children)."""
    child_ids = access.scope(user).child_ids
    if not child_ids:
        return []
    # The class teachers ride along as a LEFT JOIN (a row per teacher, the first by username kept):
    # no query of their own.
    rows = (
        access.students_for(user)
        .filter(pk__in=child_ids)
        .select_related("school", "class_group")
        .annotate(
            teachers=FilteredRelation(
                "class_group__memberships",
                condition=Q(class_group__memberships__role=Role.CLASS_TEACHER),
            ),
            teacher_last=F("teachers__user__last_name"),
            teacher_first=F("teachers__user__first_name"),
            teacher_username=F("teachers__user__username"),
        )
        .order_by("class_group__grade", "name", "pk", "teacher_username")
    )
    students = {}
    for student in rows:
        students.setdefault(student.pk, student)
    pickups = defaultdict(list)
    for p in access.pickups_for(user).filter(student_id__in=students).order_by("valid_from", "name"):
        pickups[p.student_id].append(
            PickupRow(
                name=p.name,
                relationship=p.relationship,
                valid_from=p.valid_from,
                valid_until=p.valid_until,
                state=p.state_on(today),
                restriction_reason=p.restriction_reason,
            )
        )
    return [
        ChildCard(
            student=student,
            school=student.school,
            class_name=student.class_group.display_name,
            class_teacher=_display_name(
                student.teacher_last, student.teacher_first, student.teacher_username
            ),
            pickups=pickups[student.pk],
        )
        for student in students.values()
    ]


def _display_name(last_name, first_name, username) -> str:
    """User.display_name of a user read as columns ("" for none)."""
    if username is None:
        return ""
    return User(last_name=last_name, first_name=first_name, username=username).display_name


# --- class teacher --------------------------------------------------------------------------


@dataclass(frozen=True)
class GuardianRow:
    name: str
    relationship: str
    masked_mobile: str


@dataclass(frozen=True)
class RosterRow:
    name: str
    gender: str
    masked_student_number: str
    priorities: list
    guardians: list[GuardianRow]


@dataclass(frozen=True)
class ClassRoster:
    class_group: ClassGroup
    school: School
    rows: list[RosterRow]
    boys: int
    girls: int
    priority: int

    @property
    def total(self) -> int:
        return len(self.rows)


def _priority_labels(student: Student) -> list:
    flags = {
        "left_behind": student.left_behind,
        "migrant": student.migrant,
        "low_income": student.low_income,
        "disability": student.disability,
        "other": bool(student.other_priority_note),
    }
    return [label for key, _q, label in PRIORITY_GROUPS if flags[key]]


def rosters_for_class_teacher(*, user) -> list[ClassRoster]:
    """Each class the user is class teacher of, with its enrolled students (3 queries)."""
    class_ids = access.scope(user).class_ids
    if not class_ids:
        return []
    classes = (
        access.classes_for(user)
        .filter(pk__in=class_ids)
        .select_related("school")
        .prefetch_related(
            Prefetch(
                "students",
                queryset=access.students_for(user)
                .filter(active=True)
                .order_by("name")
                .prefetch_related(selectors.guardian_links_prefetch()),
                to_attr="roster",
            )
        )
        .order_by("school__name", "grade", "number")
    )
    rosters = []
    for group in classes:
        rows = [
            RosterRow(
                name=s.name,
                gender=s.get_gender_display(),
                masked_student_number=s.masked_student_number,
                priorities=_priority_labels(s),
                guardians=[
                    GuardianRow(
                        name=link.guardian.name,
                        relationship=link.relationship,
                        masked_mobile=mobile_masked(link.guardian.mobile),
                    )
                    for link in s.links
                ],
            )
            for s in group.roster
        ]
        rosters.append(
            ClassRoster(
                class_group=group,
                school=group.school,
                rows=rows,
                boys=sum(1 for s in group.roster if s.gender == Student.Gender.MALE),
                girls=sum(1 for s in group.roster if s.gender == Student.Gender.FEMALE),
                priority=sum(1 for s in group.roster if s.is_priority),
            )
        )
    return rosters


# --- service teacher and gate guard ---------------------------------------------------------


def schools_where(*, user, role: str) -> list[School]:
    """The schools where the user holds this school role (1 query)."""
    return list(
        access.schools_for(user)
        .filter(memberships__user=user, memberships__role=role)
        .order_by("name")
        .distinct()
    )


@dataclass(frozen=True)
class GateSchool:
    school: School
    children_with_pickups: int


def gate_schools(*, user, today: datetime.date) -> list[GateSchool]:
    """The guard's schools and how many of their children have a pick-up person valid today (2 queries)."""
    schools = schools_where(user=user, role=Role.GATE_GUARD)
    counts = dict(
        access.pickups_for(user)
        .valid_on(today)
        .filter(student__school__in=schools, student__active=True)
        .order_by()
        .values("student__school_id")
        .annotate(n=Count("student_id", distinct=True))
        .values_list("student__school_id", "n")
    )
    return [GateSchool(school=s, children_with_pickups=counts.get(s.pk, 0)) for s in schools]


# --- school admin ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SchoolSummary:
    school: School
    classes: int
    students: int
    priority: int
    priority_groups: list  # (label, count)
    staff: list  # (role label, count)


STAFF_ROLES = [Role.SCHOOL_ADMIN, Role.CLASS_TEACHER, Role.SERVICE_TEACHER, Role.GATE_GUARD]


def schools_for_admin(*, user) -> list[SchoolSummary]:
    """The user's own schools with class, student, staff and priority-group counts (3 queries)."""
    admin_ids = access.scope(user).admin_school_ids
    if not admin_ids:
        return []
    schools = list(
        access.schools_for(user)
        .filter(pk__in=admin_ids)
        .annotate(class_count=_count(ClassGroup.objects.all(), "school"))
        .order_by("name")
    )
    students = {
        row["school_id"]: row
        for row in access.students_for(user)
        .filter(school__in=schools, active=True)
        .order_by()
        .values("school_id")
        .annotate(
            total=Count("pk"),
            priority=Count("pk", filter=PRIORITY_Q),
            **{key: Count("pk", filter=q) for key, q, _label in PRIORITY_GROUPS},
        )
    }
    staff: dict = {}
    for school_id, role, n in (
        access.memberships_for(user)
        .filter(school__in=schools)
        .order_by()
        .values("school_id", "role")
        .annotate(n=Count("user_id", distinct=True))
        .values_list("school_id", "role", "n")
    ):
        staff[(school_id, role)] = n
    summaries = []
    for school in schools:
        row = students.get(school.pk, {})
        summaries.append(
            SchoolSummary(
                school=school,
                classes=school.class_count,
                students=row.get("total", 0),
                priority=row.get("priority", 0),
                priority_groups=[(label, row.get(key, 0)) for key, _q, label in PRIORITY_GROUPS],
                staff=[(role.label, staff.get((school.pk, role.value), 0)) for role in STAFF_ROLES],
            )
        )
    return summaries


# --- bureau officer -------------------------------------------------------------------------


def _with_counts(schools: QuerySet[School]) -> QuerySet[School]:
    return schools.annotate(
        class_count=_count(ClassGroup.objects.all(), "school"),
        student_count=_count(_ACTIVE, "school"),
        priority_count=_count(_ACTIVE.filter(PRIORITY_Q), "school"),
    )


@dataclass(frozen=True)
class RegionTable:
    region: Region
    # Annotated: class_count, student_count, priority_count (for display: "*" where it is withheld
    # so that a small count cannot be worked out from the region's total; schools.smallnumbers).
    schools: list[School]
    priority: int

    @property
    def offering(self) -> int:
        return sum(1 for s in self.schools if s.offers_service)

    @property
    def students(self) -> int:
        return sum(s.student_count for s in self.schools)


def _region_table(region: Region, schools: list[School]) -> RegionTable:
    priority = sum(s.priority_count for s in schools)
    smallnumbers.protect_attribute(schools, "priority_count", total=priority)
    return RegionTable(region=region, schools=schools, priority=priority)


def bureau_regions(*, user) -> list[RegionTable]:
    """Each region the user is a bureau officer of, with its schools ordered by county and their
    counts from annotated aggregates (1 query, plus 1 per bureau role the user holds)."""
    paths = access.scope(user).region_paths
    if not paths:
        return []
    regions = access.regions_for(user).filter(report_path__in=paths).order_by("code")
    return [
        _region_table(
            region,
            list(
                _with_counts(
                    access.schools_for(user).filter(region__report_path__startswith=region.report_path)
                )
                .select_related("region")
                .order_by("region__code", "name")
            ),
        )
        for region in regions
    ]


def school_for_bureau(*, user, code) -> School:
    """A school under one of the user's bureau regions, with its counts. Raises Http404."""
    school = access.get_or_404(_with_counts(access.schools_for(user)).select_related("region"), code=code)
    s = access.scope(user)
    if not s.everything and not any(school.region.report_path.startswith(p) for p in s.region_paths):
        # Visible to this user as staff or as a parent, not as the bureau: not this page's business.
        raise Http404
    return school


def classes_for_bureau(*, user, school: School) -> list[ClassGroup]:
    """The school's classes with student and priority counts only, never children (1 query).
    Each class carries group_counts: one count per PRIORITY_GROUPS entry, in that order. A class's
    priority count is "*" where it is withheld beside the school's total (schools.smallnumbers)."""
    classes = list(
        access.classes_for(user)
        .filter(school=school)
        .annotate(
            student_count=_count(_ACTIVE, "class_group"),
            priority_count=_count(_ACTIVE.filter(PRIORITY_Q), "class_group"),
            **{
                f"{key}_count": _count(_ACTIVE.filter(q), "class_group") for key, q, _label in PRIORITY_GROUPS
            },
        )
        .order_by("grade", "number")
    )
    for group in classes:
        group.group_counts = [getattr(group, f"{key}_count") for key, _q, _label in PRIORITY_GROUPS]
    smallnumbers.protect_attribute(classes, "priority_count", total=school.priority_count)
    return classes


# --- today: what each staff role has to do now ------------------------------------------------


@dataclass(frozen=True)
class TodayItem:
    """One line of a role's "today" list: what needs doing, how many, and the page that handles it.
    The apps above fill the list through settings.HOME_TODAY (schools imports none of them)."""

    key: str  # stable name of the kind of item (tests, element ids)
    label: str
    url: str
    count: int | None = None  # None: a line without a number (a session, a class)
    detail: str = ""
    urgent: bool = False


# The order of the "today" cards when one person holds several roles.
TODAY_ROLES = [
    Role.SCHOOL_ADMIN,
    Role.CLASS_TEACHER,
    Role.SERVICE_TEACHER,
    Role.GATE_GUARD,
    Role.BUREAU_OFFICER,
]


def today_items(*, user, today: datetime.date, role: str) -> list[TodayItem]:
    """Each provider in settings.HOME_TODAY[role] adds its items; every provider costs a fixed
    number of queries however many schools, sessions or children there are."""
    items: list[TodayItem] = []
    for path in getattr(settings, "HOME_TODAY", {}).get(role, []):
        items.extend(import_string(path)(user=user, today=today))
    return items


def unread_messages_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Unread messages (the alerts the portal sent) as a line of the list (1 query)."""
    n = notice_selectors.unread_count_for_request(user=user)
    return [
        TodayItem(key="unread", label=_("Unread alerts and messages"), url=reverse("notices:inbox"), count=n)
    ]


# --- the whole page -------------------------------------------------------------------------


def home_sections(*, user, today: datetime.date) -> dict:
    """What the home page shows for each role the user holds (the key is absent otherwise)."""
    s = access.scope(user)
    if s.everything:  # superusers work in Django admin; their home stays plain
        return {}
    sections: dict = {}
    sections["today_cards"] = [
        (role, items)
        for role in TODAY_ROLES
        if role in s.roles and (items := today_items(user=user, today=today, role=role))
    ]
    if Role.PARENT in s.roles:
        sections["parent"] = children_for_parent(user=user, today=today)
    if Role.CLASS_TEACHER in s.roles:
        sections["class_teacher"] = rosters_for_class_teacher(user=user)
    if Role.SERVICE_TEACHER in s.roles:
        sections["service_teacher"] = schools_where(user=user, role=Role.SERVICE_TEACHER)
    if Role.GATE_GUARD in s.roles:
        sections["gate_guard"] = gate_schools(user=user, today=today)
    if Role.SCHOOL_ADMIN in s.roles:
        sections["school_admin"] = schools_for_admin(user=user)
    if Role.BUREAU_OFFICER in s.roles:
        sections["bureau"] = bureau_regions(user=user)
    return sections
