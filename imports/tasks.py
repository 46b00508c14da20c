"""Thin tasks: they take a job id and call the service (queued with transaction.on_commit)."""

from celery import shared_task

from imports.services import import_job_run


@shared_task(name="imports.run", acks_late=True)
def run_import(job_id: int) -> None:
    # acks_late: a worker killed mid-import leaves the message to be delivered again; the job is re-run.
    import_job_run(job_id=job_id)
