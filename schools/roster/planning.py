"""The rows against the school: what is already stored, what to create, and the write of it all
in bulk (one insert per table)."""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools import account_state, activation
from schools.models import (
    ClassGroup,
    Guardian,
    GuardianLink,
    Guardianship,
    LeaveReason,
    School,
    SchoolLeaving,
    Student,
    User,
    class_display_name,
    mask_tail,
)
from schools.roster.columns import CHUNK, HEADER_OF, Plan, RowError


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass
class RosterPlan(Plan):
    """A Plan (new children) and, for a re-import (F15), what changes for children already stored,
    matched by 学籍号: class moves, transfers in from another school, children coming back, new
    guardians, renamed guardians; and the enrolled children missing from the file, of the classes
    the file covers only (a file of one class says nothing about the others)."""

    known_ids: dict = field(default_factory=dict)  # student_number -> id of a stored child
    class_moves: dict = field(default_factory=dict)  # child id -> (grade, number)
    transfers: dict = field(default_factory=dict)  # child id -> (sending school id, class name)
    returning: set = field(default_factory=set)  # ids of this school's children who had left
    guardian_rows: list = field(default_factory=list)  # rows of stored children naming a new guardian
    guardian_renames: dict = field(default_factory=dict)  # guardian id -> name
    unchanged: int = 0
    missing: list = field(default_factory=list)  # codes of covered classes' children not in the file
    covered: set = field(default_factory=set)  # {(grade, number)} the file names
    untouched: int = 0  # the school's current classes the file does not name

    def change_counts(self) -> dict:
        transfers = len(self.transfers)
        return {
            "class_changed": len(self.class_moves) - transfers,
            "guardian_changed": len({row["student_number"] for row in self.guardian_rows})
            + len(self.guardian_renames),
            "transfers_in": transfers,
            "returning": len(self.returning),
            "unchanged": self.unchanged,
            "missing": len(self.missing),
            "classes_covered": [class_display_name(*key) for key in sorted(self.covered)],
            "classes_untouched": self.untouched,
        }


@dataclass
class Known:
    pk: int
    name: str
    school_id: int
    key: tuple
    graduated: bool
    active: bool
    class_name: str
    guardians: dict = field(default_factory=dict)  # mobile -> (guardian id or None, name)


def _known_children(numbers: list[str]) -> dict[str, Known]:
    """The stored children with these 学籍号, with the mobiles of their guardians (and of pending
    requests), in any school of the deployment."""
    known = {}
    fields = ("pk", "name", "student_number", "school_id", "class_group__grade", "class_group__number")
    for chunk in _chunks(numbers):
        rows = Student.objects.filter(student_number__in=chunk).values_list(
            *fields, "class_group__graduated_in", "active"
        )
        for pk, name, number, school_id, grade, class_number, graduated_in, active in rows:
            known[number] = Known(
                pk=pk,
                name=name,
                school_id=school_id,
                key=(grade, class_number),
                graduated=graduated_in is not None,
                active=active,
                class_name=class_display_name(grade, class_number),
            )
    by_pk = {k.pk: k for k in known.values()}
    for chunk in _chunks(list(by_pk)):
        for student_id, guardian_id, mobile, name in Guardianship.objects.filter(
            student_id__in=chunk, ended_at__isnull=True
        ).values_list("student_id", "guardian_id", "guardian__mobile", "guardian__name"):
            by_pk[student_id].guardians[mobile] = (guardian_id, name)
        pending = GuardianLink.objects.filter(student_id__in=chunk, status=GuardianLink.Status.PENDING)
        for student_id, mobile in pending.values_list("student_id", "mobile"):
            by_pk[student_id].guardians.setdefault(mobile, (None, ""))
    return known


def _plan_known(plan: RosterPlan, row: dict, known: Known, school: School) -> bool:
    """Note what changes for a stored child; True when their guardian is new to them."""
    key = (row["grade"], row["class_number"])
    plan.known_ids[row["student_number"]] = known.pk
    changed = False
    if known.school_id != school.pk:
        plan.transfers[known.pk] = (known.school_id, known.class_name)
        plan.class_moves[known.pk] = key
        changed = True
    else:
        if not known.active:
            plan.returning.add(known.pk)
            changed = True
        if known.key != key or known.graduated:
            plan.class_moves[known.pk] = key
            changed = True
    guardian_id, name = known.guardians.get(row["guardian_mobile"], (None, None))
    new_guardian = name is None
    renamed = not new_guardian and guardian_id is not None and name != row["guardian_name"]
    if new_guardian:
        plan.guardian_rows.append(row)
    if renamed:
        plan.guardian_renames[guardian_id] = row["guardian_name"]
    if not (changed or new_guardian or renamed):
        plan.unchanged += 1
    return new_guardian


def _blocked_mobiles(plan: Plan, mobiles: list[str]) -> set:
    """Note the accounts to ask (plan.link_user_ids) and return the mobiles that cannot be linked."""
    # An existing guardian, or an account holding the mobile as its own, is asked to confirm; an
    # account whose username merely looks like the mobile is not that person (F13): refused.
    for chunk in _chunks(mobiles):
        plan.link_user_ids.update(Guardian.objects.filter(mobile__in=chunk).values_list("mobile", "user_id"))
    free = [m for m in mobiles if m not in plan.link_user_ids]
    blocked = set()
    for chunk in _chunks(free, CHUNK // 2):
        chunk = set(chunk)
        users = User.objects.filter(Q(username__in=chunk) | Q(mobile__in=chunk)).values_list(
            "pk", "username", "mobile", "guardian__pk"
        )
        for pk, username, mobile, guardian_pk in users:
            if mobile in chunk and guardian_pk is None and plan.link_user_ids.get(mobile, pk) == pk:
                plan.link_user_ids[mobile] = pk
            else:
                blocked.add(mobile if mobile in chunk else username)
    return blocked


def _school_classes(school: School) -> dict:
    current = ClassGroup.objects.filter(school=school, graduated_in__isnull=True)
    return {(grade, number): pk for grade, number, pk in current.values_list("grade", "number", "pk")}


def plan_against_school(*, school: School, rows: list[dict]) -> tuple[RosterPlan, list[RowError]]:
    """Check the rows against what is already stored and work out what to create and what to
    update (a re-import matches children by 学籍号). Reads only."""
    plan, errors = RosterPlan(), []
    known = _known_children([row["student_number"] for row in rows])
    blocked = _blocked_mobiles(plan, list({row["guardian_mobile"] for row in rows}))
    plan.class_ids = _school_classes(school)
    for row in rows:
        mobile = row["guardian_mobile"]
        if mobile in blocked:
            errors.append(
                RowError(
                    row["row"],
                    HEADER_OF["guardian_mobile"],
                    _(
                        "This mobile number belongs to an account that cannot be linked; "
                        "ask the system administrator."
                    ),
                    mask_tail(mobile),
                )
            )
            continue
        child = known.get(row["student_number"])
        if child is not None and child.name != row["name"]:
            # The same 学籍号 under another name is another child, or a typo: never overwrite.
            errors.append(
                RowError(
                    row["row"],
                    HEADER_OF["student_number"],
                    _("A student with this national student number is already registered."),
                    mask_tail(row["student_number"]),
                )
            )
            continue
        key = (row["grade"], row["class_number"])
        if key not in plan.class_ids:
            plan.classes_new.add(key)
        needs_guardian = _plan_known(plan, row, child, school) if child else True
        if child is None:
            plan.rows.append(row)
        if needs_guardian and mobile not in plan.link_user_ids:
            plan.guardians_new.setdefault(mobile, row["guardian_name"])
    plan.missing = _missing(plan, school=school, rows=rows)
    return plan, errors


def _missing(plan: RosterPlan, *, school: School, rows: list[dict]) -> list[str]:
    """The codes of the school's enrolled children missing from the file, in the classes it covers
    (names): a supplementary file of one class lists no child of the others; a full file lists
    every child it leaves out."""
    plan.covered = {(row["grade"], row["class_number"]) for row in rows}
    plan.untouched = len(plan.class_ids.keys() - plan.covered)
    class_ids = [pk for key, pk in plan.class_ids.items() if key in plan.covered]
    in_file = {row["student_number"] for row in rows}
    enrolled = Student.objects.filter(school=school, active=True, class_group_id__in=class_ids)
    numbers = enrolled.values_list("code", "student_number")
    return [str(code) for code, number in numbers if number not in in_file]


def plan_apply(*, school: School, plan: Plan, actor: User | None) -> dict:
    """Insert everything the plan holds: one bulk insert per table; new accounts get their own
    activation code (sent by SMS after commit when a sender is configured). Call inside a transaction."""
    counts = plan.counts()
    if plan.classes_new:
        ClassGroup.objects.bulk_create(
            [ClassGroup(school=school, grade=g, number=n) for g, n in sorted(plan.classes_new)]
        )
        plan.class_ids = _school_classes(school)
    unusable = make_password(None)  # no password until the person activates the account
    new_users = [
        User(username=mobile, mobile=mobile, last_name=name, password=unusable)
        for mobile, name in plan.guardians_new.items()
    ]
    User.objects.bulk_create(new_users)
    user_ids = _ids(User, "username", new_users)
    guardians = [
        Guardian(user_id=user_ids[mobile], name=name, mobile=mobile)
        for mobile, name in plan.guardians_new.items()
    ]
    Guardian.objects.bulk_create(guardians)
    guardian_ids = _ids(Guardian, "mobile", guardians)
    codes = activation.activation_codes_issue(users=[User(pk=pk) for pk in user_ids.values()], actor=actor)
    activation.activation_sms_on_commit(codes=codes)
    students = [
        Student(
            school=school,
            class_group_id=plan.class_ids[(row["grade"], row["class_number"])],
            name=row["name"],
            gender=row["gender"],
            student_number=row["student_number"],
            birth_date=row["birth_date"],
            left_behind=row["left_behind"],
            migrant=row["migrant"],
            low_income=row["low_income"],
            disability=row["disability"],
            other_priority_note=row["other_priority_note"],
        )
        for row in plan.rows
    ]
    Student.objects.bulk_create(students)
    student_ids = {**plan.known_ids, **_ids(Student, "student_number", students)}
    guardian_rows = plan.rows + plan.guardian_rows
    Guardianship.objects.bulk_create(
        [
            Guardianship(
                guardian_id=guardian_ids[row["guardian_mobile"]],
                student_id=student_ids[row["student_number"]],
                relationship=row["relationship"],
            )
            for row in guardian_rows
            if row["guardian_mobile"] in guardian_ids
        ]
    )
    links = GuardianLink.objects.bulk_create(
        [
            GuardianLink(
                student_id=student_ids[row["student_number"]],
                user_id=plan.link_user_ids[row["guardian_mobile"]],
                mobile=row["guardian_mobile"],
                relationship=row["relationship"],
                requested_by=actor,
            )
            for row in guardian_rows
            if row["guardian_mobile"] in plan.link_user_ids
        ]
    )
    if links:
        from schools import services

        account_state.bump(*{link.user_id for link in links})  # no save hook runs for bulk_create()
        services.guardian_links_notify(user_ids={link.user_id for link in links})
    _apply_changes(school=school, plan=plan, actor=actor)
    return counts


def _apply_changes(*, school: School, plan: RosterPlan, actor: User | None) -> None:
    """Write what a re-import changes for stored children: classes, transfers in (the sending
    school keeps a "transferred" leaving record), children coming back, guardians' names."""
    today = timezone.localdate()
    leavings = [
        SchoolLeaving(
            student_id=pk,
            school_id=from_school,
            class_name=class_name,
            left_on=today,
            reason=LeaveReason.TRANSFERRED,
            to_school=school,
            recorded_by=actor,
        )
        for pk, (from_school, class_name) in plan.transfers.items()
    ]
    SchoolLeaving.objects.bulk_create(leavings)
    by_class = {}
    for pk, key in plan.class_moves.items():
        by_class.setdefault(plan.class_ids[key], []).append(pk)
    enrolled = {"active": True, "left_on": None, "left_reason": ""}
    for class_id, pks in by_class.items():
        for chunk in _chunks(pks):
            Student.objects.filter(pk__in=chunk).update(school=school, class_group_id=class_id, **enrolled)
    for chunk in _chunks(list(plan.returning)):
        Student.objects.filter(pk__in=chunk).update(**enrolled)
    for guardian_id, name in plan.guardian_renames.items():
        Guardian.objects.filter(pk=guardian_id).update(name=name)


def _ids(model, key: str, objs: list) -> dict:
    """{key: pk} of freshly bulk-inserted rows (PostgreSQL and SQLite ≥ 3.35 return the keys)."""
    if all(obj.pk is not None for obj in objs):
        return {getattr(obj, key): obj.pk for obj in objs}
    found = {}
    for chunk in _chunks([getattr(obj, key) for obj in objs]):
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return found
