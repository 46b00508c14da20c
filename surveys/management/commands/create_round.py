from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from surveys.management.commands._args import parse_date, parse_percent
from surveys.models import Indicator, Round, RoundStatus, Scale
from surveys.services import RoundSpec, participants_under, round_create, round_set_status
from units.models import Unit, UnitKind


class Command(BaseCommand):
    help = "Create a survey round over the units of some kinds under a unit."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code")
        parser.add_argument("--name", required=True)
        parser.add_argument("--start", required=True, help="YYYY-MM-DD")
        parser.add_argument("--end", required=True, help="YYYY-MM-DD")
        parser.add_argument("--under", required=True, help="code of the unit whose subtree takes part")
        parser.add_argument("--kinds", required=True, help="comma-separated unit kinds, e.g. school,kindergarten")
        parser.add_argument("--scale", default="default", help="answer scale code (default: default)")
        parser.add_argument("--indicators", help="comma-separated indicator codes (default: the education set)")
        parser.add_argument("--target-rate", help="target rate in percent, e.g. 90")
        parser.add_argument("--target-rank", type=int, help="target rank among peers, e.g. 3")
        parser.add_argument("--previous", help="code of the round this one is compared with")
        parser.add_argument("--open", action="store_true", help="open the round for results at once")

    def handle(self, *args, **o) -> None:
        under = Unit.objects.filter(code=o["under"]).first() or self._refuse(
            f"--under: no unit with code {o['under']!r}"
        )
        kinds = [k.strip() for k in o["kinds"].split(",") if k.strip()]
        if unknown := [k for k in kinds if k not in UnitKind.values]:
            self._refuse(f"--kinds: unknown kind(s) {', '.join(unknown)}; known: {', '.join(UnitKind.values)}")
        scale = Scale.objects.filter(code=o["scale"]).first() or self._refuse(
            f"--scale: no scale with code {o['scale']!r}"
        )
        spec = RoundSpec(
            code=o["code"],
            name=o["name"],
            start=parse_date(o["start"], "--start"),
            end=parse_date(o["end"], "--end"),
            scale=scale,
            indicators=self._indicators(o["indicators"]),
            target_rate=parse_percent(o["target_rate"], "--target-rate"),
            target_rank=o["target_rank"],
            previous=self._previous(o["previous"]),
        )
        units = participants_under(under, kinds)
        if not units:
            self._refuse(f"no active unit of kind(s) {', '.join(kinds)} under {under.code}")
        try:
            round = round_create(spec=spec, units=units, under=under, kinds=kinds)
            if o["open"]:
                round_set_status(round=round, status=RoundStatus.OPEN, user=None)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        state = "open" if o["open"] else "draft"
        self.stdout.write(
            f"Created round {round.code} ({state}): {len(units)} units, {len(spec.indicators)} indicators, scale {scale.code}"
        )

    def _indicators(self, codes: str | None) -> list[Indicator]:
        if not codes:
            return list(Indicator.objects.filter(indicator_set__code="education").order_by("order"))
        wanted = [c.strip() for c in codes.split(",") if c.strip()]
        found = {i.code: i for i in Indicator.objects.filter(code__in=wanted)}
        if missing := [c for c in wanted if c not in found]:
            self._refuse(f"--indicators: unknown indicator(s) {', '.join(missing)}")
        return [found[c] for c in wanted]

    def _previous(self, code: str | None) -> Round | None:
        if not code:
            return None
        return Round.objects.filter(code=code).first() or self._refuse(f"--previous: no round with code {code!r}")

    def _refuse(self, message: str):
        raise CommandError(message)
