import csv
import json

from django.core.management.base import BaseCommand, CommandError

from surveys.figures import RoundFigures, UnitInfo, counts_json, round_figures
from surveys.models import Round
from units.models import Unit
from units.paths import is_under

CATEGORY_KEYS = ["satisfied", "basically_satisfied", "dissatisfied", "excluded", "valid", "rate"]


class Command(BaseCommand):
    help = "Print the counts and rates of a round for every participating unit and every unit above them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code")
        parser.add_argument("--unit", help="only this unit and its subtree")
        parser.add_argument("--format", choices=["table", "csv", "json"], default="table")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["round_code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['round_code']!r}")
        figures = round_figures(round)
        units = sorted(figures.units.values(), key=lambda u: u.path)
        if o["unit"]:
            top = Unit.objects.filter(code=o["unit"]).first()
            if top is None or top.id not in figures:
                raise CommandError(f"unit {o['unit']!r} has no figures in round {round.code}")
            units = [u for u in units if is_under(u.path, top.path)]
        getattr(self, f"_{o['format']}")(figures, units)

    def _record(self, figures: RoundFigures, unit: UnitInfo) -> dict:
        parent = figures.units.get(unit.parent_id)
        return {
            "code": unit.code,
            "name": unit.name,
            "kind": unit.kind,
            "parent": parent.code if parent else None,
            "participating": unit.participating,
            "overall": counts_json(figures.counts(unit.id)),
            "indicators": {i.code: counts_json(figures.counts(unit.id, i.id)) for i in figures.indicators},
        }

    def _json(self, figures: RoundFigures, units: list[UnitInfo]) -> None:
        payload = {
            "round": figures.round.code,
            "name": figures.round.name,
            "indicators": [{"code": i.code, "name": i.name} for i in figures.indicators],
            "units": [self._record(figures, u) for u in units],
        }
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))

    def _csv(self, figures: RoundFigures, units: list[UnitInfo]) -> None:
        writer = csv.writer(self.stdout)
        indicator_codes = [i.code for i in figures.indicators]
        writer.writerow(
            ["code", "name", "kind", "parent", "participating", *CATEGORY_KEYS, *[f"rate_{c}" for c in indicator_codes]]
        )
        for unit in units:
            record = self._record(figures, unit)
            overall = [record["overall"][k] for k in CATEGORY_KEYS]
            rates = [record["indicators"][c]["rate"] for c in indicator_codes]
            writer.writerow(
                [
                    unit.code,
                    unit.name,
                    unit.kind,
                    record["parent"] or "",
                    int(unit.participating),
                    *overall,
                    *["" if r is None else f"{r:.2f}" for r in rates],
                ]
            )

    def _table(self, figures: RoundFigures, units: list[UnitInfo]) -> None:
        codes = [i.code for i in figures.indicators]
        self.stdout.write(f"{figures.round.code} {figures.round.name}")
        header = f"{'unit':<40}{'sat':>8}{'basic':>8}{'dissat':>8}{'excl':>8}{'rate %':>9}" + "".join(
            f"{c:>9}" for c in codes
        )
        self.stdout.write(header)
        for unit in units:
            r = self._record(figures, unit)
            label = ("  " * unit.depth + f"{unit.code} {unit.name}")[:39]
            overall = r["overall"]
            cells = [_fmt(r["indicators"][c]["rate"]) for c in codes]
            self.stdout.write(
                f"{label:<40}{overall['satisfied']:>8}{overall['basically_satisfied']:>8}{overall['dissatisfied']:>8}"
                f"{overall['excluded']:>8}{_fmt(overall['rate']):>9}" + "".join(f"{c:>9}" for c in cells)
            )
        self.stdout.write(f"{len(units)} units")


def _fmt(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.2f}"
