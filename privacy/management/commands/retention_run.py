from django.core.management.base import BaseCommand

from privacy import retention


class Command(BaseCommand):
    help = "Anonymise children's data past their region's retention period (also run daily by beat)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=retention.BATCH, help="children per transaction")

    def handle(self, *args, batch, **options):
        logs = retention.retention_run(batch=batch)
        for log in logs:
            self.stdout.write(f"{log.kind}: {log.count} — {log.description}")
        if not logs:
            self.stdout.write("Nothing past its retention period.")
