"""Thin tasks: they take a job id and call the service (queued with transaction.on_commit)."""

from celery import shared_task

from config.celery import resend_waiting
from imports.models import ImportJob, JobStatus
from imports.services import import_job_run


@shared_task(name="imports.run", acks_late=True)
def run_import(job_id: int) -> None:
    # acks_late: a worker killed mid-import leaves the message to be delivered again; the job is re-run.
    import_job_run(job_id=job_id)


@shared_task(name="imports.resend_queued")
def resend_queued() -> int:
    """Every few minutes (beat): send again the imports left queued while the broker was down."""
    return resend_waiting(ImportJob.objects.filter(status=JobStatus.QUEUED), run_import)
