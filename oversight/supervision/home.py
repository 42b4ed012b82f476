"""The supervision lines of the staff "today" homes (settings.HOME_TODAY): a bureau's findings past
their rectification deadline, a school admin's findings still to answer. One query each."""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from oversight.models import VisitFinding
from oversight.supervision import selectors
from schools.selectors_home import TodayItem


def _counts(findings, today: datetime.date) -> dict:
    open_rows = findings.filter(status=VisitFinding.Status.OPEN)
    return open_rows.aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=today)),
        schools=Count("visit__school_id", filter=Q(deadline__lt=today), distinct=True),
    )


def bureau_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Supervision findings of the officer's schools still open after their deadline."""
    counts = _counts(selectors.findings_for(user), today)
    return [
        TodayItem(
            key="supervision-overdue",
            label=_("Supervision findings past their deadline"),
            detail=_("at %(n)s school(s)") % {"n": counts["schools"]} if counts["overdue"] else "",
            url=reverse("oversight:visit-list"),
            count=counts["overdue"],
            urgent=counts["overdue"] > 0,
        )
    ]


def school_admin_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Supervision findings of the admin's school still to answer (how many are overdue)."""
    counts = _counts(selectors.findings_answered_by(user), today)
    if not counts["open"]:
        return []
    return [
        TodayItem(
            key="supervision-open",
            label=_("Supervision findings to answer"),
            detail=_("%(n)s past the deadline") % {"n": counts["overdue"]} if counts["overdue"] else "",
            url=reverse("oversight:visit-list"),
            count=counts["open"],
            urgent=counts["overdue"] > 0,
        )
    ]
