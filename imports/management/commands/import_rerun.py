from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from imports.models import ImportJob
from imports.services import import_job_rerun


class Command(BaseCommand):
    help = "Queue a failed import job again (or one left running by a worker that died)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("job_id", type=int)

    def handle(self, *args, job_id: int, **options) -> None:
        job = ImportJob.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(_("No import job #%(job)s.") % {"job": job_id})
        try:
            job = import_job_rerun(job=job)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        job.refresh_from_db()
        self.stdout.write(
            _("Import #%(job)s queued again; status now: %(status)s.")
            % {"job": job.pk, "status": job.get_status_display()}
        )
