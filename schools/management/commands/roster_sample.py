"""Write a roster as a school register system (学籍系统) exports it, to try the import with."""

from pathlib import Path

from django.core.management.base import BaseCommand

from schools.roster.samples import register_xlsx, sample_children


class Command(BaseCommand):
    help = "Write a register-style roster (.xlsx: title rows, merged title, 是否… headers) to try the import."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="学籍系统花名册示例.xlsx")
        parser.add_argument("--children", type=int, default=40)

    def handle(self, *args, path, children, **options):
        Path(path).write_bytes(register_xlsx(sample_children(children), title="学生花名册（示例）"))
        self.stdout.write(f"{path}: {children}")
