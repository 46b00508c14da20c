from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backups.services import BackupError, backup_write


class Command(BaseCommand):
    help = "Back up the database (pg_dump, custom format) and the media folder into OUT_DIR, with a manifest."

    def add_arguments(self, parser) -> None:
        parser.add_argument("out_dir", type=Path)

    def handle(self, *args, **options) -> None:
        try:
            manifest = backup_write(options["out_dir"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backup written to {options['out_dir']}: {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {len(manifest['media_files'])} media files."
        )
