"""Who may see what: the one place that scopes regions, schools, classes, students, guardians,
pick-up persons and memberships to a user. Every view, list, export and form choice goes through it.

Out of scope and missing look the same: the get_* helpers raise Http404 for both.

- superuser: everything.
- bureau officer: every region whose reporting chain reaches theirs (a 省直管县 reports to the
  province, not its city) and those regions' schools and classes; no individual children, only
  counts (PIPL: data minimisation).
- school admin: their school and all its classes, students, guardians, pick-up persons and staff.
- class teacher: their class, its students, their guardians and pick-up persons.
- service teacher, gate guard: their school (the apps above narrow it: activities to the groups they
  lead, safety to the children at the gate).
- parent: their own children (not where the school ended or restricted the guardianship), those
  children's classes and schools, and their pick-up persons.
"""

import re
import uuid
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from schools import account_state
from schools.models import (
    AuthorizedPickup,
    ClassGroup,
    Guardian,
    Guardianship,
    Membership,
    Region,
    Role,
    RosterImport,
    School,
    Student,
    path_codes,
)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    roles: frozenset = frozenset()
    region_paths: tuple = ()  # bureau officers
    staff_school_ids: frozenset = frozenset()  # any school role or class teacher
    admin_school_ids: frozenset = frozenset()  # school admins
    guard_school_ids: frozenset = frozenset()  # gate guards
    class_ids: frozenset = frozenset()  # class teachers
    child_ids: frozenset = frozenset()  # parents
    guardian_id: int | None = None


NOTHING = Q(pk__in=[])

# A reporting path as Region stores it: "/41/4101/410102/" (constraint region_report_path_well_formed).
_PATH = re.compile(r"/(?:[^/\s\x00]+/)+")


def path_is_well_formed(path) -> bool:
    """F13, fail closed: an empty or malformed path would be a prefix of every path ("" matches the
    whole country), so a path that is not "/code/…/code/" scopes to nothing."""
    return isinstance(path, str) and _PATH.fullmatch(path) is not None


def scope(user) -> Scope:
    """The user's scope, computed once per request (cached on the user object) from the account
    facts: those the request loaded from the shared cache (schools.account_state), else one query."""
    cached = getattr(user, "_access_scope", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        result = Scope()
    elif user.is_superuser:
        result = Scope(everything=True, roles=frozenset(Role))
    else:
        found = account_state.facts(user)
        if found is None:
            found = account_state.read_facts(user.pk)
        result = scope_from_facts(found)
    try:
        user._access_scope = result
    except AttributeError:  # AnonymousUser and other read-only objects
        pass
    return result


def scope_from_facts(found: dict) -> Scope:
    rows = [(role, school, group) for role, school, group in found.get("membership", ())]
    guardian = next((a for _t, a, _b in found.get("guardian", ())), None)
    roles = {role for role, _s, _c in rows}
    if guardian:
        roles.add(Role.PARENT)
    return Scope(
        roles=frozenset(roles),
        region_paths=tuple(path for path, _a, _b in found.get("region", ()) if path_is_well_formed(path)),
        staff_school_ids=frozenset(school for _role, school, _c in rows if school),
        admin_school_ids=frozenset(s for role, s, _c in rows if role == Role.SCHOOL_ADMIN),
        guard_school_ids=frozenset(s for role, s, _c in rows if role == Role.GATE_GUARD),
        class_ids=frozenset(c for role, _s, c in rows if role == Role.CLASS_TEACHER),
        # F13: a guardianship the school ended or restricted (court order) gives no access.
        child_ids=frozenset(a for _t, a, _b in found.get("child", ())) if guardian else frozenset(),
        guardian_id=guardian,
    )


def account_rows(user_id) -> list[QuerySet]:
    """The scope's facts for schools.account_state (settings.ACCOUNT_STATE_SOURCES): memberships
    (role, school, class), bureau regions (reporting path), the guardian, the children whose
    guardianship is neither ended nor restricted."""
    memberships = Membership.objects.filter(user_id=user_id)
    columns = account_state.columns
    return [
        columns(memberships, "membership", text="role", a="school_id", b="class_group_id"),
        columns(
            memberships.filter(role=Role.BUREAU_OFFICER, region__isnull=False),
            "region",
            text="region__report_path",
        ),
        columns(Guardian.objects.filter(user_id=user_id), "guardian", a="pk"),
        columns(
            Guardianship.objects.filter(guardian__user_id=user_id, restricted=False, ended_at=None),
            "child",
            a="student_id",
        ),
    ]


def forget(user) -> None:
    """Drop the cached scope after the user's memberships or children changed."""
    for name in ("_access_scope", "_account_facts"):
        if hasattr(user, name):
            delattr(user, name)


def roles(user) -> frozenset:
    return scope(user).roles


def has_role(user, *wanted: str) -> bool:
    return bool(scope(user).roles & set(wanted))


def manages_school(user, school_id: int) -> bool:
    """Whether the user runs this school: its school admins (and superusers)."""
    s = scope(user)
    return s.everything or school_id in s.admin_school_ids


def any_of(conditions: list[Q]) -> Q:
    """The OR of the conditions that are not None; matches nothing when none is left."""
    conditions = [c for c in conditions if c is not None]
    return reduce(or_, conditions) if conditions else NOTHING


def under_paths(field: str, paths: tuple) -> Q | None:
    """Rows whose `field` lies under one of the well-formed `paths`, or None when there is none."""
    paths = [path for path in paths if path_is_well_formed(path)]
    if not paths:
        return None
    return any_of([Q(**{f"{field}__startswith": path}) for path in paths])


def paths_q(field: str, paths) -> Q:
    """Rows whose `field` (a region's report_path) lies under one of `paths`; none without paths."""
    return under_paths(field, tuple(paths)) or NOTHING


def regions_for(user) -> QuerySet[Region]:
    s = scope(user)
    if s.everything:
        return Region.objects.all()
    return Region.objects.filter(any_of([under_paths("report_path", s.region_paths)]))


def schools_for(user) -> QuerySet[School]:
    s = scope(user)
    if s.everything:
        return School.objects.all()
    return School.objects.filter(
        any_of(
            [
                under_paths("region__report_path", s.region_paths),
                Q(pk__in=s.staff_school_ids) if s.staff_school_ids else None,
                Q(students__pk__in=s.child_ids) if s.child_ids else None,
            ]
        )
    ).distinct()


def classes_for(user) -> QuerySet[ClassGroup]:
    s = scope(user)
    if s.everything:
        return ClassGroup.objects.all()
    return ClassGroup.objects.filter(
        any_of(
            [
                under_paths("school__region__report_path", s.region_paths),
                Q(school_id__in=s.admin_school_ids) if s.admin_school_ids else None,
                Q(pk__in=s.class_ids) if s.class_ids else None,
                Q(students__pk__in=s.child_ids) if s.child_ids else None,
            ]
        )
    ).distinct()


def _student_q(s: Scope, prefix: str = "") -> Q:
    return any_of(
        [
            Q(**{f"{prefix}school_id__in": s.admin_school_ids}) if s.admin_school_ids else None,
            Q(**{f"{prefix}class_group_id__in": s.class_ids}) if s.class_ids else None,
            Q(**{f"{prefix}pk__in": s.child_ids}) if s.child_ids else None,
        ]
    )


def child_records_q(s: Scope, *, student: str = "student", school: str = "") -> Q:
    """Records about a child (an application, a leave request…) that the scope sees: a parent's own
    children's, a class teacher's classes', a school admin's schools'. `student` names the record's
    child field; `school` the field of the school that runs it (by default the child's school)."""
    school = school or f"{student}__school"
    return any_of(
        [
            Q(**{f"{student}_id__in": s.child_ids}) if s.child_ids else None,
            Q(**{f"{student}__class_group_id__in": s.class_ids}) if s.class_ids else None,
            Q(**{f"{school}_id__in": s.admin_school_ids}) if s.admin_school_ids else None,
        ]
    )


def students_for(user) -> QuerySet[Student]:
    s = scope(user)
    if s.everything:
        return Student.objects.all()
    return Student.objects.filter(_student_q(s))


def guardians_for(user) -> QuerySet[Guardian]:
    s = scope(user)
    if s.everything:
        return Guardian.objects.all()
    return Guardian.objects.filter(
        any_of(
            [
                Q(pk=s.guardian_id) if s.guardian_id else None,
                Q(
                    pk__in=Guardian.students.through.objects.filter(_student_q_for_through(s)).values(
                        "guardian_id"
                    )
                )
                if (s.admin_school_ids or s.class_ids)
                else None,
            ]
        )
    )


def _student_q_for_through(s: Scope) -> Q:
    return any_of(
        [
            Q(student__school_id__in=s.admin_school_ids) if s.admin_school_ids else None,
            Q(student__class_group_id__in=s.class_ids) if s.class_ids else None,
        ]
    )


def pickups_for(user) -> QuerySet[AuthorizedPickup]:
    """Pick-up persons: the family's own, the class's, the school's (admins and the gate)."""
    s = scope(user)
    if s.everything:
        return AuthorizedPickup.objects.all()
    return AuthorizedPickup.objects.filter(
        any_of(
            [
                _student_q(s, "student__") if (s.admin_school_ids or s.class_ids or s.child_ids) else None,
                Q(student__school_id__in=s.guard_school_ids) if s.guard_school_ids else None,
            ]
        )
    )


def memberships_for(user) -> QuerySet[Membership]:
    """Staff roles a user may see and manage: a school admin's own school."""
    s = scope(user)
    if s.everything:
        return Membership.objects.all()
    if not s.admin_school_ids:
        return Membership.objects.none()
    return Membership.objects.filter(school_id__in=s.admin_school_ids)


def region_schools_for(user) -> QuerySet[School]:
    """F17: the schools a bureau officer registers and edits: those of the regions on or under their
    own (superusers: all). Not a school admin's own school: that is managed_schools_for."""
    s = scope(user)
    if s.everything:
        return School.objects.all()
    return School.objects.filter(any_of([under_paths("region__report_path", s.region_paths)]))


def region_memberships_for(user) -> QuerySet[Membership]:
    """F17: the officer and school-admin roles a bureau officer manages: officers of the regions on or
    under their own, admins of those regions' schools (superusers: every such role)."""
    s = scope(user)
    roles = Q(role=Role.BUREAU_OFFICER) | Q(role=Role.SCHOOL_ADMIN)
    if s.everything:
        return Membership.objects.filter(roles)
    return Membership.objects.filter(
        any_of(
            [
                under_paths("region__report_path", s.region_paths),
                under_paths("school__region__report_path", s.region_paths),
            ]
        ),
        roles,
    )


def managed_schools_for(user) -> QuerySet[School]:
    """Schools whose roster and staff the user may change (school admins, superusers)."""
    s = scope(user)
    if s.everything:
        return School.objects.all()
    return School.objects.filter(pk__in=s.admin_school_ids)


def roster_imports_for(user) -> QuerySet[RosterImport]:
    """Roster imports: those of the schools the user manages (school admins, superusers)."""
    s = scope(user)
    if s.everything:
        return RosterImport.objects.all()
    return RosterImport.objects.filter(school_id__in=s.admin_school_ids)


def value_fits(model, field_name: str, value) -> bool:
    """Whether `value` could be stored in the model's field: a UUID for a code, an integer in range
    for a key, no NUL byte, not longer than the column. Used before any lookup by an identifier that
    came from a path, query string or form, so a malformed one is "not there", never a 500 (F13)."""
    if value is None:
        return False
    if isinstance(value, str) and "\x00" in value:
        return False
    try:
        field = model._meta.get_field(field_name)
    except FieldDoesNotExist:
        return True
    try:
        if isinstance(value, uuid.UUID):
            return field.get_internal_type() == "UUIDField"
        field.run_validators(field.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


def _lookup_fits(model, lookup: dict) -> bool:
    for name, value in lookup.items():
        field_name = name.split("__")[0]
        if field_name == "pk":
            field_name = model._meta.pk.name
        if "__" in name and not name.endswith("__exact"):
            continue  # relations and other lookups: the caller's own business
        if not value_fits(model, field_name, value):
            return False
    return True


def get_or_404(queryset: QuerySet, **lookup):
    """get_object_or_404 for identifiers from a request: a malformed value (not a UUID, a NUL byte,
    out of range) answers 404 like any object that is not there or not the user's."""
    if not _lookup_fits(queryset.model, lookup):
        raise Http404
    return get_object_or_404(queryset, **lookup)


def filter_by_code(queryset: QuerySet, value, *, field: str = "code") -> QuerySet:
    """A filter from a query string or form: the rows whose `field` is `value`, or none when the value
    could not be stored there (not a UUID, a NUL byte, too long): ignored, never a 500 (F13)."""
    return filter_by_codes(queryset, [value], field=field)


def filter_by_codes(queryset: QuerySet, values, *, field: str = "code") -> QuerySet:
    """The rows whose `field` is one of `values`; malformed values are left out (F13)."""
    model = queryset.model
    *relations, name = field.split("__")
    for part in relations:
        model = model._meta.get_field(part).related_model
    good = [value for value in values if value_fits(model, name, value)]
    return queryset.filter(**{f"{field}__in": good}) if good else queryset.none()


def get_region_for_user(user, code: str) -> Region:
    return get_or_404(regions_for(user), code=code)


def get_school_for_user(user, code) -> School:
    return get_or_404(schools_for(user), code=code)


def get_class_for_user(user, code) -> ClassGroup:
    return get_or_404(classes_for(user).select_related("school"), code=code)


def get_student_for_user(user, code) -> Student:
    return get_or_404(students_for(user).select_related("school", "class_group"), code=code)


def get_guardian_for_user(user, code) -> Guardian:
    return get_or_404(guardians_for(user), code=code)


def get_pickup_for_user(user, code) -> AuthorizedPickup:
    return get_or_404(pickups_for(user).select_related("student"), code=code)


def get_membership_for_user(user, code) -> Membership:
    return get_or_404(memberships_for(user), code=code)


def get_region_school_for_user(user, code) -> School:
    return get_or_404(region_schools_for(user).select_related("region"), code=code)


def get_region_membership_for_user(user, code) -> Membership:
    return get_or_404(region_memberships_for(user).select_related("user", "region", "school"), code=code)


def get_roster_import_for_user(user, code) -> RosterImport:
    return get_or_404(roster_imports_for(user).select_related("school", "uploaded_by"), code=code)


def schools_reporting_to(region: Region) -> QuerySet[School]:
    """The schools whose reporting chain reaches the region (what its bureau sees and reports on),
    for work done without a user, e.g. the monthly reports; a user's view goes through schools_for."""
    if not path_is_well_formed(region.report_path):
        return School.objects.none()
    return School.objects.filter(region__report_path__startswith=region.report_path)


def bureau_regions_of(user) -> QuerySet[Region]:
    """The regions whose bureau the user serves in, by their bureau officer memberships (a subquery
    when filtered on; superusers: every region). Not the regions under them: see regions_for."""
    if scope(user).everything:
        return Region.objects.all()
    return Region.objects.filter(
        pk__in=Membership.objects.filter(user_id=user.pk, role=Role.BUREAU_OFFICER).values("region_id")
    )


def bureau_region_ids(user) -> list[int]:
    """F12: the regions whose schools' matters (claims, complaints) the user's bureau decides: every
    region under one of the user's own for which the user's region is the nearest on its reporting
    chain with an active officer (schools.selectors.bureau_for_school). A county with its own officer
    decides for itself; a county without one is decided by its city, else by the province. Nothing
    outside the user's own reporting paths, ever. Superusers: see `scope().everything` instead."""
    s = scope(user)
    own_codes = {codes[-1] for codes in map(path_codes, s.region_paths) if codes}
    if not own_codes:
        return []
    under = list(
        Region.objects.filter(under_paths("report_path", s.region_paths)).values_list("pk", "report_path")
    )
    codes_on_chains = {code for _pk, path in under for code in path_codes(path)}
    staffed = set(
        Membership.objects.filter(
            role=Role.BUREAU_OFFICER, user__is_active=True, region__code__in=codes_on_chains
        ).values_list("region__code", flat=True)
    )
    found = []
    for pk, path in under:
        nearest = next((c for c in reversed(path_codes(path)) if c in staffed), None)
        if nearest in own_codes:
            found.append(pk)
    return found


def is_province_officer(user) -> bool:
    """A bureau officer of a province (the top of a reporting chain, "/41/"), or a superuser: who
    enters the State Council's yearly holiday schedule (F11)."""
    s = scope(user)
    return s.everything or any(
        path_is_well_formed(path) and len(path_codes(path)) == 1 for path in s.region_paths
    )
