from django.core.management.base import BaseCommand

import surveys.demo
import units.demo


class Command(BaseCommand):
    help = "Build (or complete) the demo city: units, leadership groups, users, survey rounds and results."

    def handle(self, *args, **options) -> None:
        summary = units.demo.seed()
        self.stdout.write(f"Units: {summary['units']}, leadership groups: {summary['groups']}")
        rounds = surveys.demo.seed()
        self.stdout.write(
            f"Survey rounds created: {rounds['rounds']}, questionnaires in all: {rounds['questionnaires']}"
        )
        self.stdout.write("Demo logins (username / password / role / unit):")
        for username, password, role, code in summary["users"]:
            self.stdout.write(f"  {username:16} {password:12} {role:14} {code}")
