"""`manage.py backup`: one backup of the database, uploaded files and generated reports in
BACKUP_DIR, then the oldest beyond BACKUP_KEEP deleted (afterschool.backup)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from afterschool import backup


class Command(BaseCommand):
    help = "Back up the database, uploaded files and generated reports into BACKUP_DIR."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep", type=int, default=None, help="backups to keep (default BACKUP_KEEP; 0: all)"
        )
        parser.add_argument("--key", default="", help="age secret key (default BACKUP_ENCRYPTION_KEY)")
        parser.add_argument("--list", dest="list_only", action="store_true", help="only list the backups")
        parser.add_argument("--generate-key", action="store_true", help="only print a new encryption key")

    def handle(self, *args, keep, key, list_only, generate_key, **options):
        if generate_key:
            self.stdout.write(backup.key_generate())
            return
        if list_only:
            for path in backup.backups_list():
                self.stdout.write(path.name)
            return
        try:
            path = backup.backup_create(key=key)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        removed = backup.backups_rotate(keep=settings.BACKUP_KEEP if keep is None else keep)
        self.stdout.write(self.style.SUCCESS(_("Backup written: %(path)s") % {"path": path}))
        for old in removed:
            self.stdout.write(_("Old backup deleted: %(name)s") % {"name": old.name})
