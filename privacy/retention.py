"""Retention (F10, PIPL art. 19/47): anonymise children's data a region no longer needs.

A child counts as left from the first run that sees them no longer enrolled (`Student.active`
off; the job runs daily). After the region's retention period (RetentionPolicy, the most specific
region on the school's reporting path, else settings.RETENTION_MONTHS) the child is anonymised in
place (rows stay, so attendance and subsidy history keep their counts): name, student number,
birth day and priority-group data; their pick-up persons; and each guardian with no other child
still kept (name, mobile, account closed). Applications' priority-group data is cleared once their
term ended that long ago. Audit events and access logs are append-only and kept (see SECURITY.md).
Each run writes one DeletionLog row per kind of record with a count and no personal data.
Running again changes nothing more.
"""

import calendar
import datetime
import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.module_loading import import_string

from privacy.models import DeletionLog, RetentionPolicy, StudentDeparture
from privacy.services import PRIORITY_FIELDS
from schools.models import AuthorizedPickup, Guardian, Guardianship, Membership, School, Student, User

ANONYMOUS = "已匿名"
BATCH = 500


def months_by_school() -> dict[int, int]:
    """Each school's retention period in months: the deepest region on its reporting path that
    set one, else settings.RETENTION_MONTHS."""
    by_code = dict(RetentionPolicy.objects.values_list("region__code", "months"))
    result = {}
    for school_id, path in School.objects.values_list("pk", "region__report_path"):
        codes = [c for c in path.split("/") if c]
        months = next((by_code[c] for c in reversed(codes) if c in by_code), settings.RETENTION_MONTHS)
        result[school_id] = months
    return result


def _cutoff(now: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    return now.replace(year=year, month=month + 1, day=min(now.day, calendar.monthrange(year, month + 1)[1]))


def departures_note(*, now: datetime.datetime) -> int:
    """Start the clock for children no longer enrolled and not yet noted."""
    new = Student.objects.filter(active=False).exclude(
        Exists(StudentDeparture.objects.filter(student=OuterRef("pk")))
    )
    rows = [StudentDeparture(student_id=pk, noticed_at=now) for pk in new.values_list("pk", flat=True)]
    StudentDeparture.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def _student_anonymise(student: Student) -> int:
    """Anonymise one child and their pick-up persons; returns the pick-up persons changed."""
    Student.objects.filter(pk=student.pk).update(
        name=ANONYMOUS,
        student_number=f"ANON{student.pk:016d}",
        birth_date=datetime.date(student.birth_date.year, 1, 1),
        **PRIORITY_FIELDS,
    )
    pickups = AuthorizedPickup.objects.filter(student=student).exclude(name=ANONYMOUS)
    count = pickups.update(name=ANONYMOUS, mobile="", id_last4="")
    for path in settings.PRIVACY_HOOKS.get("priority_clear", []):
        import_string(path)(student_ids=[student.pk])
    return count


def _guardian_anonymise(guardian: Guardian) -> None:
    Guardian.objects.filter(pk=guardian.pk).update(name=ANONYMOUS, mobile=f"0{guardian.pk:010d}")
    if Membership.objects.filter(user_id=guardian.user_id).exists():
        return  # also staff: the account stays, only the guardian's details go
    User.objects.filter(pk=guardian.user_id).update(
        username=f"anonymised-{guardian.user_id}",
        first_name="",
        last_name="",
        email="",
        mobile=None,
        is_active=False,
        password=make_password(None),
    )


def retention_run(*, now: datetime.datetime | None = None, batch: int = BATCH) -> list[DeletionLog]:
    """Anonymise what is past its retention period, in batches of `batch` children, each batch
    in its own transaction. Idempotent. Returns the DeletionLog rows written (none when nothing was due)."""
    now = now or timezone.now()
    run = uuid.uuid4()
    months = months_by_school()
    departures_note(now=now)
    students = pickups = guardians = 0

    due = StudentDeparture.objects.filter(anonymised_at=None).select_related("student").order_by("pk")
    last_pk = 0
    while True:
        chunk = list(due.filter(pk__gt=last_pk)[:batch])
        if not chunk:
            break
        last_pk = chunk[-1].pk
        with transaction.atomic():
            for departure in chunk:
                student = departure.student
                if student.active:  # came back: the clock starts again when they leave again
                    departure.delete()
                    continue
                if departure.noticed_at > _cutoff(
                    now, months.get(student.school_id, settings.RETENTION_MONTHS)
                ):
                    continue
                pickups += _student_anonymise(student)
                departure.anonymised_at = now
                departure.save(update_fields=["anonymised_at"])
                students += 1
                guardians += _guardians_release(student)

    applications = 0
    for path in settings.PRIVACY_HOOKS.get("applications_expire", []):
        applications += import_string(path)(
            cutoff_for_school={k: _cutoff(now, m).date() for k, m in months.items()}
        )

    logs = []
    for kind, count, description in [
        (
            DeletionLog.Kind.STUDENT,
            students,
            "Anonymised children who left longer ago than the retention period.",
        ),
        (DeletionLog.Kind.PICKUP, pickups, "Anonymised those children's pick-up persons."),
        (
            DeletionLog.Kind.GUARDIAN,
            guardians,
            "Anonymised guardians with no child still kept; accounts closed.",
        ),
        (
            DeletionLog.Kind.APPLICATION,
            applications,
            "Cleared priority-group data of applications whose term ended longer ago than the "
            "retention period.",
        ),
    ]:
        if count:
            logs.append(DeletionLog.objects.create(run=run, kind=kind, count=count, description=description))
    return logs


def _guardians_release(student: Student) -> int:
    """Anonymise the student's guardians who have no other child whose data is still kept."""
    count = 0
    for guardian in Guardian.objects.filter(guardianship__student=student).exclude(name=ANONYMOUS):
        others = Guardianship.objects.filter(guardian=guardian).exclude(student=student)
        kept = others.exclude(student__departure__anonymised_at__isnull=False)
        if not kept.exists():
            _guardian_anonymise(guardian)
            count += 1
    return count
