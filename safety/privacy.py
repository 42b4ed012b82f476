"""Safety's part in retention (F13), called through settings.PRIVACY_HOOKS by the privacy app, which
sits below safety and must not import it.

Safety records are append-only (audit.models.AppendOnlyModel: no update through `objects`). The
retention period is the one exception the law makes (PIPL art. 19/47: personal data is deleted
once it is no longer needed), so these functions go through `_base_manager` and change only the
personal fields; the rows stay, so counts and the history of what happened still add up.
"""

import datetime

from safety.models import CareAlert, GateEntry, Release, ReleaseRefusal

ANONYMOUS = "已匿名"
# What a gate entry keeps once anonymised; the table's check constraints want these shapes.
NO_ID_LAST4 = "0000"
NO_MOBILE = "10000000000"


def student_anonymise(*, student_ids: list[int]) -> dict[str, int]:
    """Anonymise these children's releases (who collected them), refused pick-ups (the person,
    their mobile) and safety alerts (their text names the child). Returns counts by kind."""
    releases = (
        Release._base_manager.filter(student_id__in=student_ids)
        .exclude(person_name__in=["", ANONYMOUS])
        .update(person_name=ANONYMOUS, person_relationship="")
    )
    refusals = (
        ReleaseRefusal._base_manager.filter(student_id__in=student_ids)
        .exclude(person_name=ANONYMOUS)
        .update(person_name=ANONYMOUS, person_mobile="")
    )
    alerts = (
        CareAlert._base_manager.filter(student_id__in=student_ids)
        .exclude(detail=ANONYMOUS)
        .update(detail=ANONYMOUS)
    )
    return {"release": releases + refusals, "alert": alerts}


def visitors_expire(*, cutoff_for_school: dict[int, datetime.datetime]) -> int:
    """Anonymise gate-register visitors who came in before their school's cutoff: name, ID digits,
    mobile, whom they visited and the note. Returns the entries changed; a second call changes none."""
    changed = 0
    by_cutoff: dict[datetime.datetime, list[int]] = {}
    for school_id, cutoff in cutoff_for_school.items():
        by_cutoff.setdefault(cutoff, []).append(school_id)
    for cutoff, school_ids in by_cutoff.items():
        changed += (
            GateEntry._base_manager.filter(school_id__in=school_ids, entered_at__lt=cutoff)
            .exclude(name=ANONYMOUS)
            .update(name=ANONYMOUS, id_last4=NO_ID_LAST4, mobile=NO_MOBILE, visiting=ANONYMOUS, note="")
        )
    return changed
