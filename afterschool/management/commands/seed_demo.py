"""Build the demo data of docs/demo.md, idempotently: running it twice changes nothing.

It lives in the project package, above every app, because it is the one place that needs them
all: each app's demo builder stands on the apps below it, and `schools` (the floor) may import
none of them (docs/design.md, "Code rules")."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

import activities.demo
import activities.demo_calendar
import enrollment.demo
import oversight.evaluation.demo
import oversight.reports.demo
import oversight.summaries.demo
import oversight.supervision.demo
import privacy.demo
import safety.demo.attendance
import safety.demo.records
import schools.demo_restrictions
import subsidies.demo
from schools import account_state, demo

# Each app that seeds demo records, in floor order; each build() is idempotent.
FEATURE_BUILDERS = [
    activities.demo_calendar,
    activities.demo,
    enrollment.demo,
    privacy.demo,
    safety.demo.attendance,
    safety.demo.records,
    subsidies.demo,
    oversight.summaries.demo,
    oversight.reports.demo,
    oversight.evaluation.demo,
    oversight.supervision.demo,
    # Last: a guardian the school restricted (F13) is added after the families' applications, as
    # one who joins later would be; they apply for nothing.
    schools.demo_restrictions,
]


class Command(BaseCommand):
    help = "Create or complete the demo data (docs/demo.md). Safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schools", type=int, default=4, help="schools in all (at least the 4 of docs/demo.md)"
        )
        parser.add_argument("--students-per-class", type=int, default=20)
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, schools, students_per_class, logins, **options):
        if not logins:
            self.stdout.write("Building the demo data…")
            with transaction.atomic():
                demo.Builder(
                    students_per_class=students_per_class,
                    extra_schools=max(schools - len(demo.SCHOOLS), 0),
                    out=self.stdout,
                ).build()
                for builder in FEATURE_BUILDERS:
                    builder.build(out=self.stdout)
                # Bulk-written accounts run no save hooks: every cached account state is stale.
                account_state.bump_everyone()
        self.stdout.write(f"Demo logins (password {settings.DEMO_PASSWORD}):")
        for username, who in demo.DEMO_LOGINS:
            self.stdout.write(f"  {username:<22} {who}")
