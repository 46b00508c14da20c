from django.core.management.base import BaseCommand

import ledger.demo
import opendoor.demo
import outreach.demo
import surveys.demo
import units.demo


class Command(BaseCommand):
    help = "Build (or complete) the demo city: units, groups, users, survey rounds, results, ledger and visits."

    def handle(self, *args, **options) -> None:
        summary = units.demo.seed()
        self.stdout.write(f"Units: {summary['units']}, leadership groups: {summary['groups']}")
        rounds = surveys.demo.seed()
        self.stdout.write(
            f"Survey rounds created: {rounds['rounds']}, questionnaires in all: {rounds['questionnaires']}"
        )
        concerns = ledger.demo.seed()
        self.stdout.write(f"Concerns in the ledger: {concerns['concerns']} ({concerns['overdue']} overdue)")
        visits = outreach.demo.seed()
        self.stdout.write(
            f"Follow-ups: {visits['follow_ups']}, contacts to visit: {visits['households']}, visits: {visits['visits']}"
        )
        activities = opendoor.demo.seed()
        self.stdout.write(f"Open-door rules: {activities['rules']}, activities held: {activities['activities']}")
        self.stdout.write("Demo logins (username / password / role / unit):")
        for username, password, role, code in summary["users"]:
            self.stdout.write(f"  {username:16} {password:12} {role:14} {code}")
