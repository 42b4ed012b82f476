import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from oversight.summaries import services


class Command(BaseCommand):
    help = "Recompute the daily school summaries of the bureau dashboards for a range of days (backfill)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", type=datetime.date.fromisoformat, help="first day (ISO)")
        parser.add_argument("--to", dest="last", type=datetime.date.fromisoformat, help="last day (ISO)")

    def handle(self, *args, first, last, **options):
        today = timezone.localdate()
        last = last or today
        first = first or last
        if first > last:
            raise CommandError("--from is after --to")
        days = services.summaries_roll_range(first=first, last=last)
        self.stdout.write(f"Rolled {days} day(s) from {first} to {last}.")
