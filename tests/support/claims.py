"""The subsidy tests' December of s1: its dates and weekly slots, "held" sessions (roll call taken:
Session.has_records, which F5's attendance sets) and claims written straight to the table."""

import datetime
from decimal import Decimal

from django.utils import timezone

from activities.models import Session
from subsidies.models import Claim
from tests.support.builders import hour

DECEMBER = datetime.date(2026, 12, 1)  # a Tuesday; no public holidays this month
DECEMBER_END = datetime.date(2026, 12, 31)
FOOTBALL_CLUB = "豫体培字〔2024〕0137号"


def hold(group, first=DECEMBER, last=DECEMBER_END) -> int:
    """Mark a group's sessions between two dates held (roll call taken)."""
    return Session.objects.filter(group=group, date__gte=first, date__lte=last).update(has_records=True)


def held_hours(group, first=DECEMBER, last=DECEMBER_END) -> Decimal:
    total = Decimal(0)
    for session in Session.objects.filter(group=group, date__gte=first, date__lte=last, has_records=True):
        start = datetime.datetime.combine(session.date, session.start)
        end = datetime.datetime.combine(session.date, session.end)
        total += Decimal((end - start).seconds) / 3600
    return total


def claim_row(
    school, *, month: datetime.date, total: str, status=Claim.Status.SUBMITTED, prepared_by
) -> Claim:
    """A claim written straight to the table (for lists and races where its lines do not matter)."""
    last = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)
    return Claim.objects.create(
        school=school,
        kind=Claim.Kind.MONTH,
        period_start=month,
        period_end=last,
        status=status,
        total=Decimal(total),
        prepared_by=prepared_by,
        prepared_at=timezone.now(),
        submitted_by=prepared_by if status != Claim.Status.DRAFT else None,
        submitted_at=timezone.now() if status != Claim.Status.DRAFT else None,
    )


# Mondays 16:00–17:00 and Wednesdays 16:00–17:30: December 2026 has 4 Mondays and 5 Wednesdays.
MON_WED = [(1, hour(16), hour(17)), (3, hour(16), hour(17, 30))]
MON_WED_HOURS = Decimal("11.5")
WEEKDAYS = [(d, hour(16), hour(17)) for d in range(1, 6)]  # 23 weekdays in December 2026
