"""The year rollover (学年升级, F15): every class of a school moves up a grade and keeps its class
teacher unless the admin names another in the preview; the top grade graduates (its children
leave with a date and the reason "graduated", which starts the retention clock of
privacy.retention); new first-grade classes come from the next roster import. Applications,
placements and attendance keep their term: nothing of them is rewritten.

One run per school and school year (SchoolYearRollover, unique): a second run changes nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from audit import services as audit
from schools import schoolyear
from schools.models import (
    ClassGroup,
    LeaveReason,
    Membership,
    Role,
    School,
    SchoolYearRollover,
    Student,
    User,
    class_display_name,
)
from schools.roster.leaving import children_leave

# The top grade a school's children graduate from, by stage: 六年级 for a primary school, 九年级
# (初三) for a junior secondary or nine-year school.
TOP_GRADE = {School.Stage.PRIMARY: 6, School.Stage.JUNIOR: 9, School.Stage.NINE_YEAR: 9}
# A rollover forgotten over the summer may still run for the year that began this long ago.
LATE_DAYS = 31


def top_grade(school: School) -> int:
    return TOP_GRADE.get(school.stage, 6)


def rollover_year(*, school: School, day: datetime.date) -> int:
    """The school year the classes move into: the year of the coming autumn term; in the first
    weeks of an autumn term, that term's year while the school has not rolled into it yet."""
    autumn = schoolyear.autumn_term(day.year)
    if day < autumn.start:
        return day.year
    late = day <= autumn.start + datetime.timedelta(days=LATE_DAYS)
    if late and not SchoolYearRollover.objects.filter(school=school, year=day.year).exists():
        return day.year
    return day.year + 1


@dataclass
class ClassMove:
    class_group: ClassGroup
    new_name: str
    teacher: User | None
    children: int


@dataclass
class RolloverPreview:
    school: School
    year: int
    top_grade: int
    done: SchoolYearRollover | None
    moves: list[ClassMove] = field(default_factory=list)
    graduating: list[ClassMove] = field(default_factory=list)

    @property
    def graduating_children(self) -> int:
        return sum(move.children for move in self.graduating)

    @property
    def year_label(self) -> str:
        return f"{self.year}—{self.year + 1}"


def _current_classes(school: School):
    return ClassGroup.objects.filter(school=school, graduated_in__isnull=True)


def rollover_preview(*, school: School, day: datetime.date | None = None) -> RolloverPreview:
    """What a rollover of the school would do today. Reads only."""
    day = day or timezone.localdate()
    year = rollover_year(school=school, day=day)
    top = top_grade(school)
    preview = RolloverPreview(
        school=school,
        year=year,
        top_grade=top,
        done=SchoolYearRollover.objects.filter(school=school, year=year).select_related("run_by").first(),
    )
    teachers = dict(
        Membership.objects.filter(class_group__school=school, role=Role.CLASS_TEACHER)
        .select_related("user")
        .values_list("class_group_id", "user")
    )
    users = {u.pk: u for u in User.objects.filter(pk__in=set(teachers.values()))}
    classes = _current_classes(school).annotate(children=Count("students", filter=Q(students__active=True)))
    for group in classes.order_by("grade", "number"):
        graduates = group.grade >= top
        move = ClassMove(
            class_group=group,
            new_name="" if graduates else class_display_name(group.grade + 1, group.number),
            teacher=users.get(teachers.get(group.pk)),
            children=group.children,
        )
        (preview.graduating if graduates else preview.moves).append(move)
    return preview


@transaction.atomic
def rollover_run(
    *,
    school: School,
    actor: User,
    day: datetime.date | None = None,
    teachers: dict[int, User | None] | None = None,
) -> SchoolYearRollover | None:
    """Roll the school into the next school year, all in one transaction, audited. `teachers`
    names a new class teacher (or None: none) by class id; other classes keep theirs. Returns
    the rollover, or None when this school year was rolled already (nothing changes)."""
    day = day or timezone.localdate()
    School.objects.select_for_update().filter(pk=school.pk).first()
    year = rollover_year(school=school, day=day)
    if SchoolYearRollover.objects.filter(school=school, year=year).exists():
        return None
    top = top_grade(school)
    current = _current_classes(school)
    graduating = list(current.filter(grade__gte=top))
    leavers = list(
        Student.objects.filter(class_group__in=graduating, active=True).select_related("class_group")
    )
    children_leave(school=school, children=leavers, reason=LeaveReason.GRADUATED, day=day, actor=actor)
    ended = Membership.objects.filter(class_group__in=graduating, role=Role.CLASS_TEACHER)
    ended.delete()
    ClassGroup.objects.filter(pk__in=[g.pk for g in graduating]).update(graduated_in=year)
    promoted = 0
    # Top down, so that each class moves into a name the class above has just left.
    for grade in range(top - 1, 0, -1):
        promoted += current.filter(grade=grade).update(grade=F("grade") + 1)
    changed = _teachers_change(school=school, teachers=teachers or {})
    counts = {
        "classes_promoted": promoted,
        "classes_graduated": len(graduating),
        "children_graduated": len(leavers),
        "teachers_changed": len(changed),
    }
    rollover = SchoolYearRollover.objects.create(school=school, year=year, run_by=actor, counts=counts)
    audit.record(actor=actor, verb="schoolyear.rollover", target=rollover, changes=counts)
    return rollover


def _teachers_change(*, school: School, teachers: dict) -> set[int]:
    """Set the class teachers the admin changed in the preview; returns the users concerned."""
    concerned = set()
    for class_id, teacher in teachers.items():
        group = _current_classes(school).filter(pk=class_id).first()
        if group is None:
            continue
        previous = Membership.objects.filter(class_group=group, role=Role.CLASS_TEACHER)
        old = previous.first()
        if (old.user_id if old else None) == (teacher.pk if teacher else None):
            continue
        concerned.update(previous.values_list("user_id", flat=True))
        previous.delete()
        if teacher is not None:
            Membership.objects.create(user=teacher, role=Role.CLASS_TEACHER, school=school, class_group=group)
            concerned.add(teacher.pk)
    return concerned
