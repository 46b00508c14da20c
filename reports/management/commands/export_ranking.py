from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.routers import replica_reads
from reports.forms import RankingForm, form_errors
from reports.ranking import OVERALL, ranking_checked, ranking_of
from reports.workbook import workbook_write
from surveys.models import Round


class Command(BaseCommand):
    help = "Write the ranking workbook of a round (the same as “Export to Excel” on the ranking page)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round", metavar="ROUND_CODE")
        parser.add_argument(
            "--scope", default="", help="code of the unit whose peers are ranked (default: the top unit)"
        )
        parser.add_argument("--level", default="", help="unit kind of the peers, e.g. district or school")
        parser.add_argument("--out", required=True, type=Path, help="the .xlsx file to write")

    def handle(self, *args, round: str, scope: str, level: str, out: Path, **options) -> None:
        survey = Round.objects.filter(code=round).first()
        if survey is None:
            raise CommandError(f"No survey round has the code {round}.")
        form = RankingForm({"scope": scope, "level": level}, round=survey, user=None)
        if not form.is_valid():
            raise CommandError(" ".join(f"{field}: {' '.join(errors)}" for field, errors in form_errors(form).items()))
        data = form.cleaned_data
        with replica_reads():
            ranking = ranking_checked(ranking_of(survey, data["scope"], data["level"], OVERALL))
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        workbook_write(ranking, out)
        self.stdout.write(
            f"{out}: {len(ranking.rows)} {data['level']} units below {ranking.scope.code} ({survey.code})"
        )
