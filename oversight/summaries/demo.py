"""Demo summaries (F8): roll the daily summaries over the term behind today so far (from its first
day, schools.schoolyear: 1 September 2026 when built in autumn 2026, to today), so that the bureau
dashboards have data. Idempotent like every roll."""

from django.utils import timezone

from oversight.summaries import services
from schools import schoolyear


def build(*, out=None) -> None:
    today = timezone.localdate()
    first = schoolyear.history_term(today).start
    if out:
        out.write(f"  oversight: daily summaries {first} – {today}\n")
    services.summaries_roll_range(first=first, last=today)
