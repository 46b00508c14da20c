from django.core.management.base import BaseCommand, CommandError
from xlsxwriter.exceptions import FileCreateError

from units.exports import export_units
from units.models import Unit


class Command(BaseCommand):
    help = "Write units to an Excel file in the import format (all units, or one subtree with --under)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out", help="the .xlsx file to write")
        parser.add_argument("--under", metavar="CODE", help="export only this unit and everything below it")

    def handle(self, *args, out: str, under: str | None, **options) -> None:
        if not out.lower().endswith(".xlsx"):
            raise CommandError(f"The output file must end in .xlsx: {out}")
        unit = None
        if under:
            unit = Unit.objects.filter(code=under).first()
            if unit is None:
                raise CommandError(f"No unit with code {under}")
        try:
            count = export_units(out, under=unit)
        except (OSError, FileCreateError) as exc:
            raise CommandError(f"Cannot write {out}: {exc}") from None
        self.stdout.write(f"Exported {count} units to {out}")
