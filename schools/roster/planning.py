"""The rows against the school: what is already stored, what to create, and the write of it all
in bulk (one insert per table)."""

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils.translation import gettext as _

from schools import activation
from schools.models import ClassGroup, Guardian, GuardianLink, Guardianship, School, Student, User, mask_tail
from schools.roster.columns import CHUNK, HEADER_OF, Plan, RowError


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def plan_against_school(*, school: School, rows: list[dict]) -> tuple[Plan, list[RowError]]:
    """Check the rows against what is already stored and work out what to create. Reads only."""
    plan, errors = Plan(), []
    numbers = [row["student_number"] for row in rows]
    taken = set()
    for chunk in _chunks(numbers):
        taken.update(
            Student.objects.filter(student_number__in=chunk).values_list("student_number", flat=True)
        )
    mobiles = list({row["guardian_mobile"] for row in rows})
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
    plan.class_ids = {
        (grade, number): pk
        for grade, number, pk in ClassGroup.objects.filter(school=school).values_list("grade", "number", "pk")
    }
    for row in rows:
        if row["student_number"] in taken:
            errors.append(
                RowError(
                    row["row"],
                    HEADER_OF["student_number"],
                    _("A student with this national student number is already registered."),
                    mask_tail(row["student_number"]),
                )
            )
            continue
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
        key = (row["grade"], row["class_number"])
        if key not in plan.class_ids:
            plan.classes_new.add(key)
        if mobile not in plan.link_user_ids:
            plan.guardians_new.setdefault(mobile, row["guardian_name"])
        plan.rows.append(row)
    return plan, errors


def plan_apply(*, school: School, plan: Plan, actor: User | None) -> dict:
    """Insert everything the plan holds: one bulk insert per table; new accounts get their own
    activation code (sent by SMS after commit when a sender is configured). Call inside a transaction."""
    counts = plan.counts()
    if plan.classes_new:
        ClassGroup.objects.bulk_create(
            [ClassGroup(school=school, grade=g, number=n) for g, n in sorted(plan.classes_new)]
        )
        plan.class_ids = dict(
            ((g, n), pk)
            for g, n, pk in ClassGroup.objects.filter(school=school).values_list("grade", "number", "pk")
        )
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
    student_ids = _ids(Student, "student_number", students)
    Guardianship.objects.bulk_create(
        [
            Guardianship(
                guardian_id=guardian_ids[row["guardian_mobile"]],
                student_id=student_ids[row["student_number"]],
                relationship=row["relationship"],
            )
            for row in plan.rows
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
            for row in plan.rows
            if row["guardian_mobile"] in plan.link_user_ids
        ]
    )
    if links:
        from schools import services

        services.guardian_links_notify(user_ids={link.user_id for link in links})
    return counts


def _ids(model, key: str, objs: list) -> dict:
    """{key: pk} of freshly bulk-inserted rows (PostgreSQL and SQLite ≥ 3.35 return the keys)."""
    if all(obj.pk is not None for obj in objs):
        return {getattr(obj, key): obj.pk for obj in objs}
    found = {}
    for chunk in _chunks([getattr(obj, key) for obj in objs]):
        found.update(model.objects.filter(**{f"{key}__in": chunk}).values_list(key, "pk"))
    return found
