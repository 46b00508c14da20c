from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from sampling.calls import attempts_import
from sampling.sheets import call_records_read
from spreadsheets.problems import FileRefused
from surveys.models import Round


class Command(BaseCommand):
    help = "Import a survey firm's call records (单位编码, 电话, 拨打时间, 结果) into a round: all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code", metavar="ROUND_CODE")
        parser.add_argument("file", type=Path, metavar="FILE")
        parser.add_argument("--language", default="zh-hans", help="language of the error messages")

    def handle(self, *args, **o) -> None:
        round = Round.objects.filter(code=o["round_code"]).first()
        if round is None:
            raise CommandError(f"no round with code {o['round_code']!r}")
        if not o["file"].is_file():
            raise CommandError(f"no file {o['file']}")
        # The command runs as the system: every participating unit, as a superuser sees them.
        system = get_user_model()(is_superuser=True, is_active=True)
        with translation.override(o["language"]):
            try:
                rows, _ignored = call_records_read(o["file"], round=round, user=system)
            except FileRefused as refused:
                raise CommandError("\n".join(str(p) for p in refused.problems.sorted())) from None
        count = attempts_import(round=round, rows=rows, user=None, file_name=o["file"].name)
        self.stdout.write(f"{count} call attempts imported into {round.code}")
