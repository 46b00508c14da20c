from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.models import JobKind, JobStatus
from imports.services import import_job_create, import_job_run
from spreadsheets.problems import problem_text
from surveys.models import Round
from surveys.selectors import round_units
from units.permissions import Action


class Command(BaseCommand):
    help = "Import questionnaires (or, with --counts, reported counts) from an .xlsx/.xlsm/.xls/.ods/.csv file."

    def add_arguments(self, parser) -> None:
        parser.add_argument("round_code")
        parser.add_argument("file", type=Path)
        parser.add_argument("--counts", action="store_true", help="The file holds counts per unit and indicator.")
        parser.add_argument("--dry-run", action="store_true", help="Check the whole file, write nothing.")
        parser.add_argument("--user", help="Import as this user, within their units (default: every unit).")

    def handle(self, *args, round_code: str, file: Path, counts: bool, dry_run: bool, user: str | None, **options):
        round = Round.objects.filter(code=round_code).first()
        if round is None:
            raise CommandError(_("No round with code %(code)s.") % {"code": round_code})
        account = self._user(user, round)
        if not file.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": file})
        kind = JobKind.COUNTS if counts else JobKind.QUESTIONNAIRES
        with file.open("rb") as handle:
            try:
                job = import_job_create(round=round, user=account, upload=File(handle, name=file.name),
                                        file_name=file.name, kind=kind, dry_run=dry_run, queue=False)  # fmt: skip
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        job = import_job_run(job_id=job.pk)
        if job.dry_run and job.status == JobStatus.SUCCEEDED:
            self.stdout.write(
                _("Check passed: %(read)s rows in all, nothing imported (check only).") % {"read": job.rows_read}
            )
            return
        self.stdout.write(
            _("Import #%(job)s %(file)s: %(status)s; rows read %(read)s, rows imported %(imported)s, errors %(errors)s.")
            % {"job": job.pk, "file": job.file_name, "status": job.get_status_display(), "read": job.rows_read,
               "imported": job.rows_imported, "errors": job.error_count}
        )  # fmt: skip
        if job.status != JobStatus.SUCCEEDED:
            for problem in job.errors:
                self.stderr.write(f"{_where(problem)}: {problem_text(problem)}")
            raise CommandError(_("The file was not imported (%(status)s): nothing was written.") % {
                "status": job.get_status_display()})  # fmt: skip

    def _user(self, username: str | None, round: Round):
        if username is None:
            return None
        account = get_user_model().objects.filter(username=username, is_active=True).first()
        if account is None:
            raise CommandError(_("No active user %(name)s.") % {"name": username})
        if not round_units(round, account, Action.ENTER).exists():
            raise CommandError(
                _("%(name)s may not enter results in round %(code)s.") % {"name": username, "code": round.code}
            )
        return account


def _where(problem: dict) -> str:
    parts = [_("row %(row)s") % {"row": problem["row"]} if problem.get("row") else _("file")]
    if problem.get("column"):
        parts.append(_("column %(column)s") % {"column": problem["column"]})
    if problem.get("value"):
        parts.append(_("value %(value)s") % {"value": repr(problem["value"])})
    return ", ".join(parts)
