"""Build the demo data of ../shared/DEMO.md, idempotently: running it twice changes nothing."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from schools.models import User


class Command(BaseCommand):
    help = "Create or refresh the demo data (DEMO.md). Safe to run repeatedly."

    @transaction.atomic
    def handle(self, *args, **options):
        password = settings.DEMO_PASSWORD
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "last_name": "系统管理员"},
        )
        if created:
            admin.set_password(password)
            admin.save()
        self.stdout.write(f"admin {'created' if created else 'already present'}")
