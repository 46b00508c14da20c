from celery import shared_task

from assessment.notice import notice_job_run, notice_purge


@shared_task(name="assessment.build_notice", acks_late=True)
def build_notice(job_id: int) -> str:
    """Build the 通报 of a notice job (queued by ``notice_job_create`` after commit)."""
    return notice_job_run(job_id).status


@shared_task(name="assessment.purge_notices")
def purge_notices() -> int:
    """Delete notices older than MANYI_REPORT_KEEP_DAYS (daily, beside ``reports.purge_reports``)."""
    return notice_purge()
