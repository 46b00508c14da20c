from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from spreadsheets.problems import FileRefused
from units.imports import import_units


class Command(BaseCommand):
    help = "Create or update units from a spreadsheet (columns 编码, 名称, 类型, 上级编码, optional 排序)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx, .xls, .ods or .csv file to import")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but write nothing")

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        if not Path(file).is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": file})
        try:
            result = import_units(file, dry_run=dry_run)
        except FileRefused as refused:
            reasons = "\n".join(str(problem) for problem in refused.problems.kept)
            message = _("%(file)s was refused, nothing was written (%(n)d problems):") % {
                "file": file,
                "n": refused.problems.total,
            }
            raise CommandError(f"{message}\n{reasons}") from None
        self.stdout.write(f"{file}: {result}")
        if result.note:
            self.stdout.write(result.note)
