import csv
import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from respond.progress import public_url
from respond.services import links_ensure
from surveys.models import Round
from units.models import Unit


class Command(BaseCommand):
    help = "Print the public link of every participating unit of a round (created where missing): code, name, URL."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code")
        parser.add_argument("--under", help="only the units of this subtree")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")
        parser.add_argument("--base-url", default=settings.MANYI_PUBLIC_BASE_URL, help="default: MANYI_PUBLIC_BASE_URL")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["round_code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['round_code']!r}")
        if not o["base_url"]:
            raise CommandError("give --base-url (e.g. https://manyi.example.gov.cn) or set MANYI_PUBLIC_BASE_URL")
        units = Unit.objects.filter(participations__round=round).order_by("path")
        if o["under"]:
            top = Unit.objects.filter(code=o["under"]).first()
            if top is None:
                raise CommandError(f"no unit with code {o['under']!r}")
            units = units.filter(path__startswith=top.path)
        units = list(units)
        links = links_ensure(round, units)
        rows = [{"单位编码": u.code, "单位名称": u.name, "URL": public_url(links[u.pk], o["base_url"])} for u in units]
        if o["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        writer = csv.DictWriter(self.stdout, fieldnames=["单位编码", "单位名称", "URL"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
