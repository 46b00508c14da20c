from django.core.management.base import BaseCommand, CommandError

from surveys.models import Round
from surveys.tallies import pooled_mismatches, tally_mismatches, tally_rebuild


class Command(BaseCommand):
    help = "Compare a round's tallies and pooled tallies with a recount of its answers; --repair makes them equal."

    def add_arguments(self, parser) -> None:
        parser.add_argument("code", help="the round's code")
        parser.add_argument("--repair", action="store_true", help="rewrite the tallies that differ from the recount")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['code']!r}")
        if o["repair"]:
            self.stdout.write(f"{round.code}: {tally_rebuild(round.id)} tallies corrected")
            return
        wrong = tally_mismatches(round.id)
        for (unit, indicator, option), kept, recounted in wrong[:20]:
            self.stdout.write(f"unit {unit}, indicator {indicator}, option {option}: {kept} kept, {recounted} counted")
        self.stdout.write(f"{round.code}: {len(wrong)} tallies differ from a recount")
        pooled = pooled_mismatches(round.id)
        for (unit, indicator, option), kept, recounted in pooled[:20]:
            self.stdout.write(
                f"above: unit {unit}, indicator {indicator}, option {option}: {kept} kept, {recounted} counted"
            )
        self.stdout.write(f"{round.code}: {len(pooled)} pooled tallies (of the units above) differ from their leaves")
        if wrong or pooled:
            raise CommandError("run again with --repair")
