from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.management.commands._args import parse_date
from surveys.models import Round
from surveys.services import round_copy


class Command(BaseCommand):
    help = (
        "Make a new round from an earlier one (same scale, indicators, units, targets), linked as its previous round."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("old_code")
        parser.add_argument("new_code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")

    def handle(self, *args, **o) -> None:
        source = Round.objects.filter(code=o["old_code"]).first()
        if source is None:
            raise CommandError(f"no round with code {o['old_code']!r}")
        try:
            new = round_copy(
                source=source,
                code=o["new_code"],
                name=o["name"],
                start=parse_date(o["start"], "--start"),
                end=parse_date(o["end"], "--end"),
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            f"Created round {new.code} (draft) from {source.code}: {new.participations.count()} units, "
            f"{new.round_indicators.count()} indicators; previous round {source.code}"
        )
