from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from units.imports import ImportRefused, import_units


class Command(BaseCommand):
    help = "Create or update units from an Excel file (columns 编码, 名称, 类型, 上级编码, optional 排序)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the .xlsx file to import")
        parser.add_argument("--dry-run", action="store_true", help="check the file and report, but write nothing")

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        if not Path(file).is_file():
            raise CommandError(f"No such file: {file}")
        try:
            result = import_units(file, dry_run=dry_run)
        except ImportRefused as refused:
            reasons = "\n".join(str(problem) for problem in refused.problems)
            raise CommandError(
                f"{file} refused, nothing written ({len(refused.problems)} problems):\n{reasons}"
            ) from None
        self.stdout.write(f"{file}: {result}")
