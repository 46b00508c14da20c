from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment.notice import notice_write
from surveys.models import Round
from units.models import Unit


class Command(BaseCommand):
    help = "Write the ranking notice (通报) of a round's peers as a Word document (the scope's template, else the default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round", metavar="ROUND_CODE")
        parser.add_argument("--scope", required=True, help="code of the unit whose peers are ranked")
        parser.add_argument("--level", required=True, help="unit kind of the peers, e.g. district or school")
        parser.add_argument("--out", required=True, type=Path, help="the .docx file to write")
        parser.add_argument("--office", default="", help="the issuing office (default: the template's, else the scope)")
        parser.add_argument("--number", default="", help="the document number, e.g. 教督〔2026〕3号")

    def handle(self, *args, round: str, scope: str, level: str, out, office: str, number: str, **options):
        out = Path(out)
        survey = Round.objects.filter(code=round).first()
        if survey is None:
            raise CommandError(f"No survey round has the code {round}.")
        unit = Unit.objects.filter(code=scope).first()
        if unit is None:
            raise CommandError(f"No unit has the code {scope}.")
        if out.suffix.lower() != ".docx":
            raise CommandError(f"{out}: the file must end in .docx.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        try:
            context = notice_write(survey, unit, level, out, office=office, number=number)
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{out}: {context['title']} ({context['units']} units)")
