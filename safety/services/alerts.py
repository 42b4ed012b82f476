"""Alerts about children in care (F5): who receives them, and raising each one once.

Every alert has a key. The CareAlert row's unique key, written in the same transaction as the
notifications, and each notification's dedupe key (the alert key plus the recipient) make an alert
happen once per recipient however many requests, workers or beat runs raise it at the same moment.
"""

import datetime

from django.db import IntegrityError, transaction

from notices.services import notification_send
from safety.models import CareAlert
from schools import selectors
from schools.models import Membership, Role, School, Student, User
from schools.selectors import school_admins


def duty_leaders(school: School, day: datetime.date) -> list[User]:
    """Who leads on duty at the school that day and receives the release alerts.

    The one place that decides: the duty roster's leader of that day (F6), else the school admins.
    """
    # The duty roster (值班) decides; nobody on duty -> the admins.
    from safety.services.roster import duty_leader_on

    leader = duty_leader_on(school=school, day=day)
    return [leader] if leader is not None else school_admins(school)


def guardian_users(student: Student) -> list[User]:
    """The child's guardians the school has neither restricted nor ended (F13; the one rule is
    schools.selectors.guardianships_to_tell)."""
    return selectors.guardian_users(student)


def class_teacher(student: Student) -> User | None:
    membership = (
        Membership.objects.filter(role=Role.CLASS_TEACHER, class_group_id=student.class_group_id)
        .select_related("user")
        .first()
    )
    return membership.user if membership else None


def alert_raise(
    *,
    key: str,
    kind: str,
    school: School,
    date: datetime.date,
    recipients: list[User],
    notice: str,
    link: str = "",
    student: Student | None = None,
    session=None,
    detail: str = "",
    **context,
) -> int:
    """Record the alert and notify each recipient, once: the first caller to insert the key
    writes the notifications in the same transaction; any other (a second worker, a repeated beat
    run) finds the key taken and does nothing. Returns the recipients notified by this call."""
    try:
        with transaction.atomic():
            CareAlert.objects.create(
                key=key,
                kind=kind,
                school=school,
                date=date,
                student=student,
                session=session,
                detail=detail[:300],
            )
            seen = set()
            for recipient in recipients:
                if recipient is None or recipient.pk in seen:
                    continue
                seen.add(recipient.pk)
                notification_send(
                    recipient=recipient,
                    kind=notice,
                    link=link,
                    dedupe_key=f"{key}:{recipient.pk}"[:200],
                    student=student,
                    session=session,
                    school=school,
                    detail=detail,
                    **context,
                )
    except IntegrityError:
        return 0  # raised already, by this or another process
    return len(seen)


def alerts_raised(keys: list[str]) -> set[str]:
    """Which of these alert keys exist already (lets a sweep skip them in one query)."""
    return set(CareAlert.objects.filter(key__in=keys).values_list("key", flat=True)) if keys else set()
