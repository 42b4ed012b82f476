"""Enrollment's part in privacy (F10), called through settings.PRIVACY_HOOKS by the privacy app,
which sits below enrollment and must not import it."""

import datetime

from django.db.models import Q

from enrollment.models import Application

CLEARED = {
    "left_behind": False,
    "migrant": False,
    "low_income": False,
    "disability": False,
    "other_need": "",
    "priority_consent": False,
}
DECLARED = Q(left_behind=True) | Q(migrant=True) | Q(low_income=True) | Q(disability=True) | ~Q(other_need="")


def priority_clear(*, student_ids: list[int]) -> int:
    """Clear the priority-group declaration of these children's applications (consent withdrawn,
    or the child anonymised). Returns the applications changed."""
    return Application.objects.filter(DECLARED, student_id__in=student_ids).update(**CLEARED)


def applications_expire(*, cutoff_for_school: dict[int, datetime.date]) -> int:
    """Clear the priority-group declaration of applications whose term ended before their school's
    cutoff. Returns the applications changed; a second call changes none."""
    changed = 0
    by_cutoff: dict[datetime.date, list[int]] = {}
    for school_id, cutoff in cutoff_for_school.items():
        by_cutoff.setdefault(cutoff, []).append(school_id)
    for cutoff, school_ids in by_cutoff.items():
        changed += Application.objects.filter(
            DECLARED, term__school_id__in=school_ids, term__end__lt=cutoff
        ).update(**CLEARED)
    return changed
