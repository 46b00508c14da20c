import datetime

from django.core.management.base import BaseCommand, CommandError

from ledger.services import mark_overdue


class Command(BaseCommand):
    help = "Mark concerns past their deadline and write reminders (what the daily task does)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, date: str | None = None, **options) -> None:
        try:
            today = datetime.date.fromisoformat(date) if date else None
        except ValueError:
            raise CommandError(f"--date must be YYYY-MM-DD, not {date!r}") from None
        summary = mark_overdue(today=today)
        self.stdout.write(
            f"Newly overdue: {summary['marked_overdue']}, overdue in all: {summary['overdue']}, "
            f"new reminders: {summary['reminders']}"
        )
