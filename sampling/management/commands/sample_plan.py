import csv
import json
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand, CommandError

from sampling.maths import Z
from sampling.plans import plan_rows
from surveys.models import Round


class Command(BaseCommand):
    help = "Print the sample plan of a round: per unit its population, expected rate (%) and sample size n."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code", metavar="ROUND_CODE")
        parser.add_argument("--margin", help="margin of error in percentage points (default: the round's plan, 3)")
        parser.add_argument("--confidence", type=int, choices=sorted(Z), help="confidence level in percent")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["round_code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['round_code']!r}")
        margin = None
        if o["margin"] is not None:
            try:
                margin = Decimal(o["margin"])
            except InvalidOperation:
                raise CommandError(f"--margin: {o['margin']!r} is not a number") from None
            if not 0 < margin <= 50:
                raise CommandError("--margin: give points between 0 and 50, e.g. 3")
        rows = [
            {"code": r.unit.code, "population": r.population, "expected": str(r.expected_percent), "n": r.n}
            for r in plan_rows(round, margin=margin, confidence=o["confidence"])
        ]
        if o["format"] == "json":
            self.stdout.write(json.dumps({"round": round.code, "units": rows}, ensure_ascii=False, indent=2))
        elif o["format"] == "csv":
            writer = csv.DictWriter(self.stdout, ["code", "population", "expected", "n"])
            writer.writeheader()
            writer.writerows({**r, "population": "" if r["population"] is None else r["population"]} for r in rows)
        else:
            self.stdout.write(f"{'code':<20}{'population':>12}{'expected %':>12}{'n':>8}")
            for r in rows:
                population = "-" if r["population"] is None else r["population"]
                self.stdout.write(f"{r['code']:<20}{population:>12}{r['expected']:>12}{r['n']:>8}")
            self.stdout.write(f"{len(rows)} units, n = {sum(r['n'] for r in rows)} in all")
