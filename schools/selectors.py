"""Reads for the school admin screens and the family pages. Every queryset starts from
schools.access, so that what a page lists is what its user may see; list reads select and prefetch
what their page shows, so that a page costs the same number of queries at any size."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from schools import access, account_state, models
from schools.phones import mobile_normalise, normalise_text

# M2: the priority groups served first.
PRIORITY_Q = (
    Q(left_behind=True)
    | Q(migrant=True)
    | Q(low_income=True)
    | Q(disability=True)
    | ~Q(other_priority_note="")
)
PRIORITY_FILTERS = {
    "any": PRIORITY_Q,
    "left_behind": Q(left_behind=True),
    "migrant": Q(migrant=True),
    "low_income": Q(low_income=True),
    "disability": Q(disability=True),
    "other": ~Q(other_priority_note=""),
}
DIGITS_RE = re.compile(r"^\d+[Xx]?$")


def guardian_links_prefetch() -> Prefetch:
    """A student's guardianships with their guardians, oldest first, as `student.links` (the
    class roster on the home page and the roster export show them in that order)."""
    return Prefetch(
        "guardianship_set",
        queryset=models.Guardianship.objects.select_related("guardian").order_by("pk"),
        to_attr="links",
    )


# --- the school a school admin works on -----------------------------------------------------


def managed_schools(*, user) -> list[models.School]:
    """The schools whose roster and staff the user manages (usually one)."""
    return list(access.managed_schools_for(user).select_related("region").order_by("name"))


def _managed_ids(user):
    return access.managed_schools_for(user).values("pk")


# --- one object, for a school admin ---------------------------------------------------------
# The general access scope also holds a user's own children and classes; admin pages narrow it to
# the schools the user manages, so a school admin who is also a parent elsewhere sees no more.


def get_admin_class_for_user(*, user, code) -> models.ClassGroup:
    return access.get_or_404(
        access.classes_for(user).filter(school__in=_managed_ids(user)).select_related("school"), code=code
    )


def get_admin_student_for_user(*, user, code) -> models.Student:
    return access.get_or_404(
        access.students_for(user)
        .filter(school__in=_managed_ids(user))
        .select_related("school", "class_group"),
        code=code,
    )


def get_admin_guardian_for_user(*, user, code) -> models.Guardian:
    return access.get_or_404(
        access.guardians_for(user).filter(
            pk__in=models.Guardianship.objects.filter(student__school__in=_managed_ids(user)).values(
                "guardian_id"
            )
        ),
        code=code,
    )


def get_admin_pickup_for_user(*, user, code) -> models.AuthorizedPickup:
    return access.get_or_404(
        access.pickups_for(user)
        .filter(student__school__in=_managed_ids(user))
        .select_related("student__school", "student__class_group"),
        code=code,
    )


def get_admin_membership_for_user(*, user, code) -> models.Membership:
    return access.get_or_404(
        access.memberships_for(user)
        .filter(school__in=_managed_ids(user))
        .select_related("user", "school", "class_group"),
        code=code,
    )


# --- classes and staff ----------------------------------------------------------------------


def classes_with_counts(*, user, school: models.School) -> QuerySet[models.ClassGroup]:
    """The school's classes with their class teacher, student and priority-group counts."""
    active = Q(students__active=True)
    priority = Q(
        Q(students__left_behind=True)
        | Q(students__migrant=True)
        | Q(students__low_income=True)
        | Q(students__disability=True)
        | ~Q(students__other_priority_note=""),
        students__active=True,
    )
    return (
        models.ClassGroup.objects.filter(
            pk__in=access.classes_for(user).filter(school=school, graduated_in__isnull=True).values("pk")
        )
        .annotate(
            student_count=Count("students", filter=active),
            priority_count=Count("students", filter=priority),
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=models.Membership.objects.filter(role=models.Role.CLASS_TEACHER).select_related(
                    "user"
                ),
                to_attr="teacher_memberships",
            )
        )
        .order_by("grade", "number")
    )


def school_leavings(*, school: models.School) -> QuerySet[models.SchoolLeaving]:
    """The children who left a school (graduated, transferred out, left), newest first; `school`
    comes from access.managed_schools_for. A transferred child's record now belongs to the
    receiving school: the sending school keeps only this row (name, class, day, reason)."""
    return models.SchoolLeaving.objects.filter(school=school).select_related("student", "to_school")


def school_classes(*, user, school: models.School) -> QuerySet[models.ClassGroup]:
    """The school's classes, for choices and filters."""
    return (
        access.classes_for(user).filter(school=school, graduated_in__isnull=True).order_by("grade", "number")
    )


def class_roster(*, user, class_group: models.ClassGroup) -> QuerySet[models.Student]:
    return access.students_for(user).filter(class_group=class_group).order_by("name")


def class_teacher(*, class_group: models.ClassGroup) -> models.User | None:
    membership = (
        models.Membership.objects.filter(class_group=class_group, role=models.Role.CLASS_TEACHER)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def staff_memberships(*, user, school: models.School) -> QuerySet[models.Membership]:
    return (
        access.memberships_for(user)
        .filter(school=school)
        .select_related("user", "class_group")
        .order_by("role", "user__last_name", "user__username")
    )


def staff_users(*, school: models.School) -> QuerySet[models.User]:
    """People holding any role in the school: the candidates for class teacher."""
    return (
        models.User.objects.filter(is_active=True, memberships__school=school)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def school_admins(school: models.School) -> list[models.User]:
    """The school's active admins: who receives its reminders, alerts and decisions."""
    return list(
        models.User.objects.filter(
            memberships__school=school, memberships__role=models.Role.SCHOOL_ADMIN, is_active=True
        ).distinct()
    )


def region_officers(region_id: int) -> list[models.User]:
    """The active officers of a region's bureau."""
    return list(
        models.User.objects.filter(
            memberships__role=models.Role.BUREAU_OFFICER, memberships__region_id=region_id, is_active=True
        ).distinct()
    )


@dataclass(frozen=True)
class Bureau:
    """The bureau a school's matters go to: a region and its active officers (never empty)."""

    region: models.Region
    officers: tuple


def reporting_chain(region: models.Region) -> list[models.Region]:
    """The regions on a region's reporting chain, nearest (the region itself) first, following
    reports_to (a 省直管县 reports to the province, not to the city it sits in)."""
    chain, node, seen = [], region, set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node)
        node = node.reports_to
    return chain


def _staffed(region_ids) -> dict[int, list[models.User]]:
    found: dict[int, list[models.User]] = {}
    rows = (
        models.Membership.objects.filter(
            role=models.Role.BUREAU_OFFICER, region_id__in=region_ids, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username", "pk")
    )
    for membership in rows:
        officers = found.setdefault(membership.region_id, [])
        if membership.user not in officers:
            officers.append(membership.user)
    return found


def bureau_for_school(school: models.School) -> Bureau | None:
    """F12: "the bureau" of a school is the nearest region on its reporting chain with an active
    officer — its county, else the county's city, else the province. Severe incidents, complaints,
    subsidy claims, off-campus coordination and term reports all go there, and its officers decide
    them. None when nobody on the whole chain could receive anything (the caller says so)."""
    chain = reporting_chain(
        models.Region.objects.select_related("reports_to__reports_to").get(pk=school.region_id)
    )
    staffed = _staffed([region.pk for region in chain])
    for region in chain:
        if staffed.get(region.pk):
            return Bureau(region=region, officers=tuple(staffed[region.pk]))
    return None


def bureau_officers_for_school(school: models.School) -> list[models.User]:
    """The officers of the school's bureau (bureau_for_school), or none."""
    bureau = bureau_for_school(school)
    return list(bureau.officers) if bureau else []


def user_find_by_login(*, login: str, schools: list[models.School] | None = None) -> models.User | None:
    """The one account with this username or mobile number (as at login), or None.

    With schools (a school admin adding a role): a mobile number finds only an account that already
    belongs to one of them, so that typing a parent's number reveals nothing of another school's
    parents (F13); staff of other schools are found by their username."""
    login = normalise_text(login)
    if not login:
        return None
    query = Q(username__iexact=login)
    try:
        mobile = mobile_normalise(login)
    except ValidationError:  # not a mobile number: match the username only
        mobile = None
    if mobile is not None:
        query = Q(username__iexact=login) | Q(username=mobile) | Q(mobile=mobile)
    users = list(models.User.objects.filter(query)[:2])
    if len(users) != 1:
        return None
    if mobile is not None and schools is not None:
        ids = [school.pk for school in schools]
        known = (
            models.Membership.objects.filter(user=users[0], school__in=ids).exists()
            or models.Guardianship.objects.filter(guardian__user=users[0], student__school__in=ids).exists()
        )
        return users[0] if known else None
    return users[0]


# --- students and guardians -----------------------------------------------------------------


def students_search(
    *,
    user,
    school: models.School,
    q: str = "",
    class_group: models.ClassGroup | None = None,
    priority: str = "",
) -> QuerySet[models.Student]:
    """The school's students; q is part of a name or the last characters of the 学籍号."""
    students = access.students_for(user).filter(school=school).select_related("class_group")
    q = normalise_text(q)
    if q:
        if DIGITS_RE.match(q):
            students = students.filter(student_number__endswith=q.upper())
        else:
            students = students.filter(name__icontains=q)
    if class_group is not None:
        students = students.filter(class_group=class_group)
    if priority in PRIORITY_FILTERS:
        students = students.filter(PRIORITY_FILTERS[priority])
    return students.order_by("class_group__grade", "class_group__number", "name", "pk")


def student_record(*, user, student: models.Student) -> dict:
    """Everything the child's record page shows, in four queries."""
    guardianships = list(
        models.Guardianship.objects.filter(student=student)
        .select_related("guardian")
        .order_by("guardian__name")
    )
    pickups = with_states(access.pickups_for(user).filter(student=student).order_by(*PICKUP_ORDER))
    return {
        "guardianships": guardianships,
        "links_pending": student_links_pending(user=user, student=student),
        "pickups": pickups,
        "teacher": class_teacher(class_group=student.class_group),
    }


def guardians_search(*, user, school: models.School, q: str = "") -> QuerySet[models.Guardian]:
    """Guardians of the school's children, with those children (only this school's)."""
    links = models.Guardianship.objects.filter(student__school=school)
    guardians = access.guardians_for(user).filter(pk__in=links.values("guardian_id"))
    q = normalise_text(q)
    if q:
        if q.isdigit():
            guardians = guardians.filter(mobile__contains=q)
        else:
            guardians = guardians.filter(name__icontains=q)
    return guardians.prefetch_related(
        Prefetch(
            "guardianship_set",
            queryset=links.select_related("student__class_group").order_by("student__name"),
            to_attr="school_links",
        )
    ).order_by("name", "pk")


def guardian_children(*, user, guardian: models.Guardian) -> list[models.Guardianship]:
    """A guardian's children that the user may see (a school admin: only their school's)."""
    return list(
        models.Guardianship.objects.filter(
            guardian=guardian,
            student__in=access.students_for(user).filter(school__in=_managed_ids(user)),
        )
        .select_related("student__class_group", "student__school")
        .order_by("student__name")
    )


def get_admin_guardianship_for_user(*, user, guardian: models.Guardian, student_code) -> models.Guardianship:
    """One of the guardian's links to a child of the admin's school; 404 otherwise."""
    return access.get_or_404(
        models.Guardianship.objects.filter(
            guardian=guardian, student__in=access.students_for(user).filter(school__in=_managed_ids(user))
        ).select_related("guardian", "student__class_group", "student__school"),
        student__code=student_code,
    )


# --- whom to tell about a child ------------------------------------------------------------


def guardianships_to_tell() -> QuerySet[models.Guardianship]:
    """F13: the guardianships that hear about a child: neither restricted nor ended by the school,
    read when the message goes out (a guardian restricted after applying hears nothing more). Every
    notice to "the child's guardians" chooses its recipients here."""
    return models.Guardianship.objects.filter(restricted=False, ended_at=None)


def guardian_users(student: models.Student, *, guardian: models.Guardian | None = None) -> list[models.User]:
    """The accounts of the child's guardians to tell (guardianships_to_tell); with `guardian` (the
    one who applied), that guardian's account while their guardianship is still active, else none."""
    rows = guardianships_to_tell().filter(student=student)
    if guardian is not None:
        rows = rows.filter(guardian=guardian)
    return [row.guardian.user for row in rows.select_related("guardian__user").order_by("pk")]


def guardian_pairs_to_tell(pairs) -> set[tuple[int, int]]:
    """Of these (guardian id, student id) pairs, those to tell now (guardianships_to_tell), in one
    query: for senders that go through many applications at once."""
    pairs = set(pairs)
    if not pairs:
        return set()
    found = guardianships_to_tell().filter(
        guardian_id__in={g for g, _s in pairs}, student_id__in={s for _g, s in pairs}
    )
    return pairs & set(found.values_list("guardian_id", "student_id"))


# --- pick-up persons ------------------------------------------------------------------------

# The list's filter; "ended" covers the expired (past their end date) too.
PICKUP_STATES = ("valid", "upcoming", "ended", "restricted")
PICKUP_FILTER_STATES = {"ended": ("ended", "expired")}
# A child's list: current persons first (NULL ordering differs between SQLite and PostgreSQL).
PICKUP_ORDER = (F("ended_at").asc(nulls_first=True), "name", "pk")


def pickups_search(
    *, user, school: models.School, q: str = "", state: str = ""
) -> QuerySet[models.AuthorizedPickup]:
    """The school's pick-up persons; q is part of their name, their mobile or the child's name."""
    pickups = access.pickups_for(user).filter(student__school=school).select_related("student__class_group")
    q = normalise_text(q)
    if q:
        if q.isdigit():
            pickups = pickups.filter(mobile__contains=q)
        else:
            pickups = pickups.filter(Q(name__icontains=q) | Q(student__name__icontains=q))
    if state in PICKUP_STATES:
        states = PICKUP_FILTER_STATES.get(state, (state,))
        pickups = pickups.state_on(timezone.localdate()).filter(state__in=states)
    return pickups.order_by(
        "student__class_group__grade", "student__class_group__number", "student__name", "name", "pk"
    )


def with_states(pickups) -> list[models.AuthorizedPickup]:
    today = timezone.localdate()
    pickups = list(pickups)
    for pickup in pickups:
        pickup.state = pickup.state_on(today)
    return pickups


# --- a parent's own children ----------------------------------------------------------------


def family_children(*, user) -> QuerySet[models.Student]:
    """The user's own children: those of a guardianship the school has neither restricted nor
    ended (never the class or school the user may also work for)."""
    return (
        models.Student.objects.filter(pk__in=access.scope(user).child_ids)
        .select_related("school", "class_group")
        .order_by("class_group__grade", "name")
    )


def get_family_child_for_user(*, user, code) -> models.Student:
    return access.get_or_404(family_children(user=user), code=code)


def family_child_pickups(*, user, student: models.Student) -> list[models.AuthorizedPickup]:
    return with_states(access.pickups_for(user).filter(student=student).order_by(*PICKUP_ORDER))


def get_family_pickup_for_user(*, user, code) -> models.AuthorizedPickup:
    return access.get_or_404(
        access.pickups_for(user).filter(student__guardians__user=user).select_related("student"), code=code
    )


# --- link requests from schools -------------------------------------------------------------------


def guardian_links_pending(*, user) -> list[models.GuardianLink]:
    """The schools' requests waiting for this account holder's answer (their home page). No query
    when the account state the request loaded says there is none (`account_rows` below)."""
    found = account_state.facts(user)
    if found is not None and not found.get("guardian_link"):
        return []
    return list(
        models.GuardianLink.objects.filter(user=user, status=models.GuardianLink.Status.PENDING)
        .select_related("student__school", "student__class_group")
        .order_by("created", "pk")
    )


def account_rows(user_id) -> list[QuerySet]:
    """The pending links' facts for schools.account_state (settings.ACCOUNT_STATE_SOURCES): one
    row per request waiting for the holder's answer. A link's save bumps the holder's state
    (ACCOUNT_STATE_WATCH); the roster import's bulk_create bumps it itself."""
    pending = models.GuardianLink.objects.filter(user_id=user_id, status=models.GuardianLink.Status.PENDING)
    return [account_state.columns(pending, "guardian_link", a="pk")]


def get_pending_guardian_link_for_user(*, user, code) -> models.GuardianLink:
    return access.get_or_404(
        models.GuardianLink.objects.filter(user=user, status=models.GuardianLink.Status.PENDING), code=code
    )


def student_links_pending(*, user, student: models.Student) -> list[models.GuardianLink]:
    """A child's requests still waiting, for its school: the masked mobile, never the holder's name."""
    return list(
        models.GuardianLink.objects.filter(
            student__in=access.students_for(user), student=student, status=models.GuardianLink.Status.PENDING
        ).order_by("created", "pk")
    )
