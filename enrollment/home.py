"""The enrollment lines of the "today" lists on the home page (settings.HOME_TODAY): applications
waiting for class review and approved applications waiting for a place. A fixed number of queries
however many schools, classes or applications."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from enrollment import selectors
from enrollment.models import Application, Placement
from schools import access
from schools.selectors_home import TodayItem


def school_admin_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Applications of the current terms waiting for class review, and approved ones without a
    seat or a wait-list place (2 queries)."""
    school_ids = access.scope(user).admin_school_ids
    if not school_ids:
        return []
    terms = [t for t in selectors.current_terms(school_ids, today).values() if t]
    has_place = Placement.objects.filter(
        application=OuterRef("pk"), status__in=[Placement.Status.PLACED, Placement.Status.WAITLISTED]
    )
    counts = (
        selectors.applications_for(user)
        .filter(term__in=terms)
        .aggregate(
            review=Count("pk", filter=Q(status=Application.Status.SUBMITTED)),
            placement=Count("pk", filter=Q(status=Application.Status.APPROVED) & ~Q(Exists(has_place))),
        )
    )
    url = reverse("enrollment:admin")
    return [
        TodayItem(
            key="reviews", label=_("Applications waiting for class review"), url=url, count=counts["review"]
        ),
        TodayItem(
            key="placements",
            label=_("Approved applications waiting for placement"),
            url=url,
            count=counts["placement"],
            urgent=counts["placement"] > 0,
        ),
    ]


def class_teacher_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Applications of the teacher's classes waiting for their review (2 queries)."""
    terms = selectors.review_terms(user=user, today=today)
    n = selectors.review_counts(user=user, terms=terms).get(Application.Status.SUBMITTED, 0)
    return [
        TodayItem(
            key="reviews",
            label=_("Applications waiting for your review"),
            url=reverse("enrollment:review"),
            count=n,
            urgent=n > 0,
        )
    ]
