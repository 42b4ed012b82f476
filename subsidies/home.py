"""The subsidy line of the bureau's "today" list on the home page (settings.HOME_TODAY)."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from schools.selectors_home import TodayItem
from subsidies import selectors
from subsidies.models import Claim


def bureau_today(*, user, today: datetime.date) -> list[TodayItem]:
    """Claims submitted to the user's bureau and waiting for a decision (1 query)."""
    n = selectors.claims_decided_by(user).filter(status=Claim.Status.SUBMITTED).count()
    return [
        TodayItem(
            key="claims",
            label=_("Subsidy claims to decide"),
            url=reverse("subsidies:claim-queue") + "?status=submitted",
            count=n,
            urgent=n > 0,
        )
    ]
