"""Retention (F10, PIPL art. 19/47): anonymise children's data a region no longer needs.

A child counts as left from the day recorded when they left (`Student.left_on`: graduated in the
year rollover, left school or transferred, F15), else from the first run that sees them no longer
enrolled (`Student.active` off; the job runs daily). After the region's retention period
(RetentionPolicy, the most specific region on the school's reporting path, else
settings.RETENTION_MONTHS) the child is anonymised in place (rows stay, so attendance and subsidy
history keep their counts): name, student number, birth day and priority-group data; their pick-up
persons; the mobile numbers of the school's requests to become their guardian (GuardianLink); and
each guardian with no other child still kept (name, mobile, account closed, its requests' numbers); with the
child go the texts that name them: their releases (who collected them), refused pick-ups, safety
alerts (through settings.PRIVACY_HOOKS, "student_anonymise") and notifications to their guardians
and their school's staff that name the child, a pick-up person or an anonymised guardian.
Applications' priority-group data is cleared once their term ended that long ago, and gate-register
visitors who came in that long ago are anonymised ("visitors_expire"). Roster-import files that were
checked and never confirmed, or that failed, are deleted after ROSTER_IMPORT_KEEP_HOURS, with the
error lists that quote their cells. Audit events and access logs are append-only and kept (see
SECURITY.md). Each run writes one DeletionLog row per kind of record with a count and no personal
data. Running again changes nothing more.
"""

import calendar
import datetime
import uuid

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from notices.models import Notification
from privacy.models import DeletionLog, RetentionPolicy, StudentDeparture
from privacy.services import PRIORITY_FIELDS
from schools import account_state
from schools.models import (
    AuthorizedPickup,
    Guardian,
    GuardianLink,
    Guardianship,
    Membership,
    RosterImport,
    School,
    Student,
    User,
    path_codes,
)

ANONYMOUS = "已匿名"
BATCH = 500


def months_by_school() -> dict[int, int]:
    """Each school's retention period in months: the deepest region on its reporting path that
    set one, else settings.RETENTION_MONTHS."""
    by_code = dict(RetentionPolicy.objects.values_list("region__code", "months"))
    result = {}
    for school_id, path in School.objects.values_list("pk", "region__report_path"):
        codes = path_codes(path)
        months = next((by_code[c] for c in reversed(codes) if c in by_code), settings.RETENTION_MONTHS)
        result[school_id] = months
    return result


def _cutoff(now: datetime.datetime, months: int) -> datetime.datetime:
    """The same moment `months` calendar months earlier (31 March - 1 month = 28/29 February)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    return now.replace(year=year, month=month + 1, day=min(now.day, calendar.monthrange(year, month + 1)[1]))


def _left_at(left_on: datetime.date | None, now: datetime.datetime) -> datetime.datetime:
    """When the clock starts: the start of the day the child left (F15: graduation, leaving
    school), else the first run that sees them gone; never later than now."""
    if left_on is None:
        return now
    return min(now, timezone.make_aware(datetime.datetime.combine(left_on, datetime.time.min)))


def departures_note(*, now: datetime.datetime) -> int:
    """Start the clock for children no longer enrolled and not yet noted."""
    new = Student.objects.filter(active=False).exclude(
        Exists(StudentDeparture.objects.filter(student=OuterRef("pk")))
    )
    rows = [
        StudentDeparture(student_id=pk, noticed_at=_left_at(left_on, now))
        for pk, left_on in new.values_list("pk", "left_on")
    ]
    StudentDeparture.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
    return len(rows)


def _hooks(name: str, **kwargs) -> list:
    return [import_string(path)(**kwargs) for path in settings.PRIVACY_HOOKS.get(name, [])]


def _readers(student: Student) -> list[int]:
    """Whose inbox may name the child: their guardians and their school's staff."""
    guardians = Guardianship.objects.filter(student=student).values_list("guardian__user_id", flat=True)
    staff = Membership.objects.filter(school_id=student.school_id).values_list("user_id", flat=True)
    return list({*guardians, *staff})


def notifications_scrub(*, names, user_ids) -> int:
    """Replace these names by ANONYMOUS in the title and text of these users' notifications.
    A name shorter than two characters is left alone (it would blot out ordinary words); a child
    of the same name at the same school loses their name in those messages too, which errs on the
    side of privacy. Returns the notifications changed."""
    changed = 0
    for name in {n for n in names if n and len(n) >= 2 and n != ANONYMOUS}:
        changed += (
            Notification.objects.filter(recipient_id__in=user_ids)
            .filter(Q(title__contains=name) | Q(body__contains=name))
            .update(
                title=Replace("title", Value(name), Value(ANONYMOUS)),
                body=Replace("body", Value(name), Value(ANONYMOUS)),
            )
        )
    return changed


def _student_anonymise(student: Student, counts: dict[str, int]) -> None:
    """Anonymise one child, their pick-up persons and the records and messages that name them;
    adds what changed to `counts` (by DeletionLog kind)."""
    names = [student.name, *AuthorizedPickup.objects.filter(student=student).values_list("name", flat=True)]
    counts["notification"] += notifications_scrub(names=names, user_ids=_readers(student))
    Student.objects.filter(pk=student.pk).update(
        name=ANONYMOUS,
        student_number=f"ANON{student.pk:016d}",
        birth_date=datetime.date(student.birth_date.year, 1, 1),
        **PRIORITY_FIELDS,
    )
    pickups = AuthorizedPickup.objects.filter(student=student).exclude(name=ANONYMOUS)
    counts["pickup"] += pickups.update(name=ANONYMOUS, mobile="", id_last4="")
    # A school's request to an account to become the child's guardian keeps the number it was
    # typed with; the account's own details go with the guardian (_guardian_anonymise).
    GuardianLink.objects.filter(student=student).exclude(mobile="").update(mobile="")
    _hooks("priority_clear", student_ids=[student.pk])
    for changed in _hooks("student_anonymise", student_ids=[student.pk]):
        for kind, n in changed.items():
            counts[kind] += n


def _guardian_anonymise(guardian: Guardian, student: Student, counts: dict[str, int]) -> None:
    counts["notification"] += notifications_scrub(names=[guardian.name], user_ids=_readers(student))
    Guardian.objects.filter(pk=guardian.pk).update(name=ANONYMOUS, mobile=f"0{guardian.pk:010d}")
    if Membership.objects.filter(user_id=guardian.user_id).exists():
        return  # also staff: the account stays, only the guardian's details go
    GuardianLink.objects.filter(user_id=guardian.user_id).exclude(mobile="").update(mobile="")
    User.objects.filter(pk=guardian.user_id).update(
        username=f"anonymised-{guardian.user_id}",
        first_name="",
        last_name="",
        email="",
        mobile=None,
        is_active=False,
        password=make_password(None),
    )
    account_state.bump(guardian.user_id)  # no save hook runs for update()


def retention_run(*, now: datetime.datetime | None = None, batch: int = BATCH) -> list[DeletionLog]:
    """Anonymise what is past its retention period, in batches of `batch` children, each batch
    in its own transaction. Idempotent. Returns the DeletionLog rows written (none when nothing was due)."""
    now = now or timezone.now()
    run = uuid.uuid4()
    months = months_by_school()
    departures_note(now=now)
    counts = dict.fromkeys(DeletionLog.Kind.values, 0)

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
                _student_anonymise(student, counts)
                departure.anonymised_at = now
                departure.save(update_fields=["anonymised_at"])
                counts["student"] += 1
                counts["guardian"] += _guardians_release(student, counts)

    cutoffs = {school_id: _cutoff(now, m) for school_id, m in months.items()}
    days = {school_id: cutoff.date() for school_id, cutoff in cutoffs.items()}
    counts["application"] += sum(_hooks("applications_expire", cutoff_for_school=days))
    counts["visitor"] += sum(_hooks("visitors_expire", cutoff_for_school=cutoffs))
    counts["import"] += roster_imports_purge(now=now)

    logs = []
    for kind, description in DESCRIPTIONS.items():
        if counts[kind.value]:
            logs.append(
                DeletionLog.objects.create(
                    run=run, kind=kind, count=counts[kind.value], description=description
                )
            )
    return logs


# One fixed description per kind of record: a DeletionLog holds no personal data.
DESCRIPTIONS = {
    DeletionLog.Kind.STUDENT: "Anonymised children who left longer ago than the retention period.",
    DeletionLog.Kind.PICKUP: "Anonymised those children's pick-up persons.",
    DeletionLog.Kind.GUARDIAN: "Anonymised guardians with no child still kept; accounts closed.",
    DeletionLog.Kind.RELEASE: "Anonymised the persons in those children's releases and refused pick-ups.",
    DeletionLog.Kind.ALERT: "Anonymised the texts of those children's safety alerts.",
    DeletionLog.Kind.NOTIFICATION: "Removed those children's, pick-up persons' and guardians' names from "
    "notifications.",
    DeletionLog.Kind.APPLICATION: "Cleared priority-group data of applications whose term ended longer ago "
    "than the retention period.",
    DeletionLog.Kind.VISITOR: "Anonymised gate-register visitors who came in longer ago than the retention "
    "period.",
    DeletionLog.Kind.ROSTER_IMPORT: "Deleted roster-import files checked and never confirmed, or failed, "
    "longer ago than ROSTER_IMPORT_KEEP_HOURS, with their error lists.",
}


def _purge_due(item: RosterImport) -> bool:
    return bool(
        item.file
        or item.status in (RosterImport.Status.PREVIEWED, RosterImport.Status.COLUMNS)
        or any(not e.get("expired") for e in item.errors)
    )


def roster_imports_purge(*, now: datetime.datetime) -> int:
    """Delete the files of roster imports checked but never confirmed, failed, or rejected, older
    than ROSTER_IMPORT_KEEP_HOURS, and empty their error lists (which quote cells: names, numbers).
    A preview never confirmed becomes rejected, with a note to upload the file again. Returns the
    imports changed; a second call changes none."""
    cutoff = now - datetime.timedelta(hours=settings.ROSTER_IMPORT_KEEP_HOURS)
    stale = RosterImport.objects.filter(
        created__lt=cutoff,
        status__in=[
            RosterImport.Status.PREVIEWED,
            RosterImport.Status.COLUMNS,  # F15: waiting for the school admin to choose columns
            RosterImport.Status.FAILED,
            RosterImport.Status.REJECTED,
        ],
    ).order_by("pk")
    changed = 0
    for item in stale.iterator():
        if not _purge_due(item):
            continue
        errors = []
        status = item.status
        if status in (RosterImport.Status.PREVIEWED, RosterImport.Status.COLUMNS):
            status = RosterImport.Status.REJECTED
            message = _("Not confirmed within %(hours)s hours: the file was deleted. Upload it again.") % {
                "hours": settings.ROSTER_IMPORT_KEEP_HOURS
            }
            errors = [{"row": None, "column": "", "message": message, "value": "", "expired": True}]
        with transaction.atomic():
            updated = RosterImport.objects.filter(pk=item.pk, status=item.status).update(
                file="", errors=errors, status=status, finished=item.finished or now
            )
            if updated and item.file:
                name, storage = item.file.name, item.file.storage
                transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        changed += updated
    return changed


def _guardians_release(student: Student, counts: dict[str, int]) -> int:
    """Anonymise the student's guardians who have no other child whose data is still kept."""
    count = 0
    for guardian in Guardian.objects.filter(guardianship__student=student).exclude(name=ANONYMOUS):
        others = Guardianship.objects.filter(guardian=guardian).exclude(student=student)
        kept = others.exclude(student__departure__anonymised_at__isnull=False)
        if not kept.exists():
            _guardian_anonymise(guardian, student, counts)
            count += 1
    return count
