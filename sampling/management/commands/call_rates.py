import csv
import json

from django.core.management.base import BaseCommand, CommandError

from sampling.calls import call_rates
from sampling.maths import DISPOSITIONS, RATES, rate_percents
from surveys.models import Round

COLUMNS = ["code", *DISPOSITIONS, *RATES]


class Command(BaseCommand):
    help = "Print the AAPOR counts and rates (RR1, RR2, COOP1, REF1, CON1) of a round's phone interviews per unit."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code", metavar="ROUND_CODE")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["round_code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['round_code']!r}")
        rates = call_rates(round)
        rows = []
        for unit in sorted(rates.units.values(), key=lambda u: u.path):
            counts = rates.by_unit[unit.pk]
            percents = {k: None if v is None else str(v) for k, v in rate_percents(counts).items()}
            rows.append({"code": unit.code, **counts.as_dict(), **percents})
        getattr(self, f"_{o['format']}")(round, rows)

    def _json(self, round: Round, rows: list[dict]) -> None:
        self.stdout.write(json.dumps({"round": round.code, "units": rows}, ensure_ascii=False, indent=2))

    def _csv(self, round: Round, rows: list[dict]) -> None:
        writer = csv.DictWriter(self.stdout, COLUMNS)
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)

    def _table(self, round: Round, rows: list[dict]) -> None:
        self.stdout.write(f"{'code':<16}" + "".join(f"{c:>11}" for c in COLUMNS[1:]))
        for row in rows:
            cells = ["-" if row[c] is None else str(row[c]) for c in COLUMNS[1:]]
            self.stdout.write(f"{row['code']:<16}" + "".join(f"{c:>11}" for c in cells))
        self.stdout.write(f"{len(rows)} units")
