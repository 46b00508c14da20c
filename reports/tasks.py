from celery import shared_task

from config.celery import resend_waiting
from reports.models import ReportJob, ReportStatus
from reports.services import report_job_run, report_purge


@shared_task(name="reports.export_ranking", acks_late=True)
def export_ranking(job_id: int) -> str:
    """Build the workbook of a report job (queued by ``report_job_create`` after commit)."""
    return report_job_run(job_id).status


@shared_task(name="reports.purge_reports")
def purge_reports() -> int:
    """Delete report files older than MANYI_REPORT_KEEP_DAYS (for a daily beat schedule)."""
    return report_purge()


@shared_task(name="reports.resend_queued")
def resend_queued() -> int:
    """Every few minutes (beat): send again the reports left queued while the broker was down."""
    return resend_waiting(ReportJob.objects.filter(status=ReportStatus.QUEUED), export_ranking)
