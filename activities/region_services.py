"""F17: the region's rules in its bureau's hands, and the bureau's content review of activities.

Writes, atomic, audited (the house's services layer; activities/services.py holds the rest). A
region's values are inherited down the reporting chain (activities.rules.policy_for_region); a
lower region may only tighten them. A change applies to new writes: existing terms, groups and
activities stay as they are until they are next saved.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from activities import rules
from activities.models import Activity, RegionPolicy, Review
from activities.services import activity_gate_opened
from audit import services as audit
from notices.services import notification_send
from privacy.services import retention_months_set
from schools.models import Region, User
from schools.selectors import school_admins


def _tightens(*, own: dict, above: rules.Policy) -> None:
    """A lower region may tighten what it inherits, never loosen it.
    Raises ValidationError(code="loosens" or "window")."""
    problems = []
    if own["earliest_end"] and above.earliest_end and own["earliest_end"] < above.earliest_end:
        problems.append(
            _("the earliest end may not be before %(time)s (set by %(region)s)")
            % {"time": above.earliest_end.strftime("%H:%M"), "region": above.earliest_end_region}
        )
    if own["latest_end"] and above.latest_end and own["latest_end"] > above.latest_end:
        problems.append(
            _("the latest end may not be after %(time)s (set by %(region)s)")
            % {"time": above.latest_end.strftime("%H:%M"), "region": above.latest_end_region}
        )
    if own["weekdays"] and set(own["weekdays"]) - set(above.weekdays):
        problems.append(
            _("the service weekdays must be among %(days)s") % {"days": rules.weekday_names(above.weekdays)}
        )
    if own["tutoring_max_group"] and own["tutoring_max_group"] > above.tutoring_max_group:
        problems.append(_("a tutoring group may not be larger than %(n)s") % {"n": above.tutoring_max_group})
    if own["retention_months"] and own["retention_months"] > above.retention_months:
        problems.append(
            _("the retention period may not be longer than %(n)s months") % {"n": above.retention_months}
        )
    if problems:
        raise ValidationError(
            _("A region may tighten what it inherits, never loosen it: %(problems)s.")
            % {"problems": "; ".join(problems)},
            code="loosens",
        )


def _window_holds(own: dict, above: rules.Policy) -> None:
    earliest = own["earliest_end"] or above.earliest_end
    latest = own["latest_end"] or above.latest_end
    if earliest and latest and latest < earliest:
        raise ValidationError(_("The latest end cannot be before the earliest end."), code="window")


@transaction.atomic
def region_policy_save(
    *,
    region: Region,
    earliest_end: datetime.time | None,
    latest_end: datetime.time | None,
    weekdays: str,
    tutoring_max_group: int | None,
    extra_terms: str,
    watch_terms: str,
    retention_months: int | None,
    actor: User,
) -> RegionPolicy:
    """Set a region's own values (empty: inherited). Raises ValidationError(code="loosens", "window")."""
    own = {
        "earliest_end": earliest_end,
        "latest_end": latest_end,
        "weekdays": "".join(sorted(set(weekdays or ""))),
        "tutoring_max_group": tutoring_max_group,
        "retention_months": retention_months,
    }
    above = rules.policy_for_region(region, inherited_only=True)
    _tightens(own=own, above=above)
    _window_holds(own, above)
    policy, _created = RegionPolicy.objects.select_for_update().get_or_create(region=region)
    before = _snapshot(policy)
    policy.earliest_end, policy.latest_end, policy.weekdays = earliest_end, latest_end, own["weekdays"]
    policy.tutoring_max_group = tutoring_max_group
    policy.extra_terms = "\n".join(dict.fromkeys(rules.lines(extra_terms)))
    policy.watch_terms = "\n".join(dict.fromkeys(rules.lines(watch_terms)))
    policy.full_clean(exclude=["region"])
    policy.save()
    after = _snapshot(policy)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        audit.record(actor=actor, verb="region_policy.save", target=policy, changes=changes)
    retention_months_set(region=region, months=retention_months, actor=actor)
    return policy


def _snapshot(policy: RegionPolicy) -> dict:
    return {
        "earliest_end": policy.earliest_end.strftime("%H:%M") if policy.earliest_end else None,
        "latest_end": policy.latest_end.strftime("%H:%M") if policy.latest_end else None,
        "weekdays": policy.weekdays,
        "tutoring_max_group": policy.tutoring_max_group,
        "extra_terms": policy.extra_terms,
        "watch_terms": policy.watch_terms,
    }


@transaction.atomic
def activity_review_decide(
    *, activity: Activity, approve: bool, note: str, actor: User
) -> list[tuple[str, str]]:
    """The bureau approves or rejects a held activity with a note; the school's admins are told.
    Approval opens the gate: the sessions of its groups are generated (returns the groups whose
    sessions could not be, name and reason). Raises ValidationError(code="not_held", "note")."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.review != Review.HELD:
        raise ValidationError(_("This activity is not waiting for the bureau's review."), code="not_held")
    if not approve and not note.strip():
        raise ValidationError(_("Say why the activity is rejected."), code="note")
    activity.review = Review.APPROVED if approve else Review.REJECTED
    activity.review_note, activity.reviewed_by, activity.reviewed_at = note.strip(), actor, timezone.now()
    activity.save(update_fields=["review", "review_note", "reviewed_by", "reviewed_at"])
    audit.record(
        actor=actor, verb="activity.review_decided", target=activity, changes={"review": activity.review}
    )
    for admin in school_admins(activity.school):
        notification_send(
            recipient=admin,
            kind="activities/content_reviewed",
            link=reverse("activities:activity-edit", kwargs={"activity_code": activity.code}),
            dedupe_key=f"review:{activity.code}:{activity.reviewed_at.isoformat()}:{admin.pk}",
            activity=activity,
            school=activity.school,
            approved=approve,
            note=activity.review_note,
        )
    return activity_gate_opened(activity=activity) if approve else []
