"""Privacy notice and consent (F10, PIPL arts. 14, 15, 29, 31): writes and rules."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from audit import services as audit
from privacy.models import ConsentRecord, PrivacyNotice, RetentionPolicy
from schools import account_state
from schools.models import Guardian, Guardianship, Region, Student

PERSONAL, SENSITIVE = ConsentRecord.Purpose.PERSONAL, ConsentRecord.Purpose.SENSITIVE
PRIORITY_FIELDS = {
    "left_behind": False,
    "migrant": False,
    "low_income": False,
    "disability": False,
    "other_priority_note": "",
}


def notice_current() -> PrivacyNotice | None:
    return PrivacyNotice.objects.order_by("-version").first()


@transaction.atomic
def notice_publish(*, title: str, body: str, actor=None) -> PrivacyNotice:
    """Publish the next version; guardians who consented to an earlier one are asked again.
    Raises ValidationError(code="empty")."""
    if not title.strip() or not body.strip():
        raise ValidationError(_("A privacy notice needs a title and a text."), code="empty")
    PrivacyNotice.objects.select_for_update().all().exists()  # one publisher at a time
    last = PrivacyNotice.objects.aggregate(v=Max("version"))["v"] or 0
    notice = PrivacyNotice.objects.create(
        version=last + 1, title=title.strip(), body=body.strip(), published_by=actor
    )
    audit.record(
        actor=actor, verb="privacy_notice.publish", target=notice, changes={"version": notice.version}
    )
    return notice


def _require_guardian(guardian: Guardian, student: Student) -> None:
    if not Guardianship.objects.filter(guardian=guardian, student=student).exists():
        raise ValidationError(_("You are not a guardian of this child."), code="not_guardian")


@transaction.atomic
def consent_give(*, guardian: Guardian, student: Student, purpose: str) -> ConsentRecord | None:
    """Record consent under the current notice (idempotent). None while no notice is published.
    Raises ValidationError(code="not_guardian")."""
    _require_guardian(guardian, student)
    notice = notice_current()
    if notice is None:
        return None
    consent, created = _consent(guardian=guardian, student=student, notice=notice, purpose=purpose)
    if created:
        audit.record(
            actor=guardian.user,
            verb="consent.give",
            target=student,
            changes={"purpose": purpose, "version": notice.version},
        )
    return consent


def _consent(*, guardian, student, notice, purpose) -> tuple[ConsentRecord, bool]:
    return ConsentRecord.objects.get_or_create(
        guardian=guardian, student=student, notice=notice, purpose=purpose, withdrawn_at=None
    )


@transaction.atomic
def consents_from_application(*, application) -> list[ConsentRecord]:
    """An application gives the child's data: consent to the notice, and to the priority-group
    data when it declares any (its own tick, enrollment's priority_consent). The application
    service has checked the guardianship; the records are their own evidence (no audit row), so
    this costs the application path two or three queries."""
    notice = notice_current()
    if notice is None:
        return []
    purposes = [PERSONAL]
    if application.priority_consent and application.is_priority:
        purposes.append(SENSITIVE)
    who = {"guardian": application.guardian, "student": application.student, "notice": notice}
    return [_consent(**who, purpose=purpose)[0] for purpose in purposes]


def consent_needs_renewal(*, guardian: Guardian | int) -> bool:
    """A guardian (or guardian id) who consented under an earlier notice and not yet under the
    current one."""
    live = ConsentRecord.objects.filter(guardian=guardian, purpose=PERSONAL, withdrawn_at=None)
    versions = set(live.values_list("notice__version", flat=True).distinct())
    if not versions:
        return False
    current = PrivacyNotice.objects.aggregate(v=Max("version"))["v"]
    return current not in versions


def sensitive_consent_live(*, guardian: Guardian) -> bool:
    return ConsentRecord.objects.filter(guardian=guardian, purpose=SENSITIVE, withdrawn_at=None).exists()


@transaction.atomic
def notice_accept(*, guardian: Guardian, keep_sensitive: bool) -> int:
    """Accept the current notice for every child; keep the priority-group consent too, or withdraw
    it (which clears that data). Returns the number of records written.
    Raises ValidationError(code="none")."""
    notice = notice_current()
    if notice is None:
        raise ValidationError(_("There is no privacy notice to accept."), code="none")
    count = 0
    students = Student.objects.filter(guardianship__guardian=guardian).distinct()
    sensitive_for = set(
        ConsentRecord.objects.filter(guardian=guardian, purpose=SENSITIVE, withdrawn_at=None).values_list(
            "student_id", flat=True
        )
    )
    for student in students:
        consent_give(guardian=guardian, student=student, purpose=PERSONAL)
        count += 1
        if student.pk in sensitive_for:
            if keep_sensitive:
                consent_give(guardian=guardian, student=student, purpose=SENSITIVE)
                count += 1
            else:
                sensitive_withdraw(guardian=guardian, student=student)
    return count


@transaction.atomic
def sensitive_withdraw(*, guardian: Guardian, student: Student) -> int:
    """Withdraw the priority-group consent for one child: every live record ends, and the child's
    priority-group data is cleared (the school's record and each application's declaration, through
    settings.PRIVACY_HOOKS["priority_clear"]). Returns records ended.
    Raises ValidationError(code="not_guardian")."""
    _require_guardian(guardian, student)
    now = timezone.now()
    ended = ConsentRecord.objects.filter(
        guardian=guardian, student=student, purpose=SENSITIVE, withdrawn_at=None
    ).update(withdrawn_at=now)
    account_state.bump(guardian.user_id)  # no save hook runs for update()
    priority_data_clear(student=student)
    audit.record(actor=guardian.user, verb="consent.withdraw", target=student, changes={"purpose": SENSITIVE})
    return ended


def priority_data_clear(*, student: Student) -> None:
    """Clear a child's priority-group data here and in every app that holds some."""
    Student.objects.filter(pk=student.pk).update(**PRIORITY_FIELDS)
    for path in settings.PRIVACY_HOOKS.get("priority_clear", []):
        import_string(path)(student_ids=[student.pk])


@transaction.atomic
def retention_months_set(*, region: Region, months: int | None, actor) -> RetentionPolicy | None:
    """F17: the region's own retention period (None: inherit from the regions above it). The next
    retention run applies it to every child of the region's schools who left. Audited."""
    current = RetentionPolicy.objects.filter(region=region).first()
    before = current.months if current else None
    if before == months:
        return current
    if months is None:
        current.delete()
        current = None
    else:
        current, _created = RetentionPolicy.objects.update_or_create(
            region=region, defaults={"months": months}
        )
    audit.record(actor=actor, verb="retention.set", target=region, changes={"months": [before, months]})
    return current
