import csv
import json

from django.core.management.base import BaseCommand, CommandError

from assessment.services import assessment_compute, scheme_for
from surveys.models import Round
from units.models import Unit

COLUMNS = ["code", "name", "rank", "rate", "rate_points", "rank_points", "deductions", "total", "below_target"]


class Command(BaseCommand):
    help = "Print the assessment of a round's peers under the scheme attached to it (else the default scheme)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round", metavar="ROUND_CODE")
        parser.add_argument("--scope", required=True, help="code of the unit whose peers are assessed")
        parser.add_argument("--level", required=True, help="unit kind of the peers, e.g. district or school")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, round: str, scope: str, level: str, format: str, **options) -> None:
        survey = Round.objects.filter(code=round).first()
        if survey is None:
            raise CommandError(f"No survey round has the code {round}.")
        unit = Unit.objects.filter(code=scope).first()
        scheme = scheme_for(survey, unit, level) if unit else None
        try:
            assessment = assessment_compute(round=survey, scope_code=scope, level=level, scheme=scheme)
        except ValueError as error:
            raise CommandError(str(error)) from None
        rows = [row.as_dict() for row in assessment.rows]
        if format == "json":
            version = assessment.version.number if assessment.version else None
            scheme_data = {"name": scheme.name, "version": version} if scheme else None
            self.stdout.write(json.dumps({"scheme": scheme_data, "rows": rows}, ensure_ascii=False, indent=1))
        elif format == "csv":
            writer = csv.DictWriter(self.stdout, fieldnames=COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        else:
            self._table(rows)

    def _table(self, rows: list[dict]) -> None:
        cells = [COLUMNS] + [["" if row[c] is None else str(row[c]) for c in COLUMNS] for row in rows]
        widths = [max(_width(line[i]) for line in cells) for i in range(len(COLUMNS))]
        for line in cells:
            self.stdout.write(
                "  ".join(cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(line)).rstrip()
            )


def _width(text: str) -> int:
    """A Chinese character takes two columns of a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
