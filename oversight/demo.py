"""Demo summaries (F8): roll the daily summaries over the demo term so far (from 1 September 2026,
the first claims, to today), so that the bureau dashboards have data. Idempotent like every roll."""

import datetime

from django.utils import timezone

from oversight import services

FIRST = datetime.date(2026, 9, 1)


def build(*, out=None) -> None:
    today = timezone.localdate()
    if today < FIRST:
        return
    if out:
        out.write(f"  oversight: daily summaries {FIRST} – {today}\n")
    services.summaries_roll_range(first=FIRST, last=today)
