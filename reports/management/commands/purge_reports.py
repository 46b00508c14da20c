from django.conf import settings
from django.core.management.base import BaseCommand

from reports.services import report_purge


class Command(BaseCommand):
    help = "Delete report workbooks older than MANYI_REPORT_KEEP_DAYS days (run daily, e.g. from cron)."

    def handle(self, *args, **options) -> None:
        count = report_purge()
        self.stdout.write(f"{count} reports older than {settings.MANYI_REPORT_KEEP_DAYS} days deleted.")
