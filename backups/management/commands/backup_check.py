from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import MANIFEST, backup_check


class Command(BaseCommand):
    help = "Check a restored copy against a backup: file checksums, row counts, tallies and a recount, media files."

    def add_arguments(self, parser) -> None:
        parser.add_argument("backup_dir", type=Path)

    def handle(self, *args, **options) -> None:
        if not (options["backup_dir"] / MANIFEST).is_file():
            raise CommandError(f"no {MANIFEST} in {options['backup_dir']}")
        problems = backup_check(options["backup_dir"])
        if problems:
            raise CommandError("the restored copy differs from the backup:\n" + "\n".join(problems))
        self.stdout.write("The restored copy matches the backup; every round's tallies equal a recount.")
