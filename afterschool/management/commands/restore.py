"""`manage.py restore NAME|latest`: checks a backup's checksums (and key), replaces the database,
uploaded files and generated reports with it, then checks every table's row count
(afterschool.backup). A database holding accounts is replaced only with --yes or a typed "yes"."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from afterschool import backup


class Command(BaseCommand):
    help = "Restore a backup from BACKUP_DIR (a name, a folder path, or 'latest')."

    def add_arguments(self, parser):
        parser.add_argument("name", help="backup folder name in BACKUP_DIR, a folder path, or 'latest'")
        parser.add_argument("--key", default="", help="age secret key (default BACKUP_ENCRYPTION_KEY)")
        parser.add_argument("--yes", action="store_true", help="replace a database that is not empty")

    def handle(self, *args, name, key, yes, **options):
        try:
            path = backup.backup_find(name)
            backup.backup_verify(path=path, key=key)
            if not yes and not backup.database_is_empty():
                yes = self.confirm(path.name)
            restored = backup.backup_restore(path=path, key=key, replace=yes)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Restored backup %(name)s (made %(created)s): %(tables)s tables, %(rows)s rows, "
                    "%(files)s files; row counts checked."
                )
                % vars(restored)
            )
        )

    def confirm(self, name: str) -> bool:
        """Asked on a terminal only; without one, --yes is required."""
        if not sys.stdin.isatty():
            raise CommandError(_("The database holds accounts: restoring replaces it; confirm with --yes."))
        answer = input(
            _("The database holds accounts. Replace it with backup %(name)s? Type yes: ") % {"name": name}
        )
        if answer.strip().lower() not in {"yes", "是"}:
            raise CommandError(_("Nothing was restored."))
        return True
