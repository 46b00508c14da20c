"""Report jobs: create one (and queue its task after commit), run it, purge old ones."""

import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import send_job_after_commit
from config.routers import replica_reads
from reports.models import ReportJob, ReportStatus
from reports.ranking import ranking_checked, ranking_for
from reports.workbook import workbook_write
from surveys.models import Round
from units.models import Unit
from units.permissions import Action, can

logger = logging.getLogger(__name__)
PROGRESS_STEP = 5  # write progress to the database in steps of this many percent, not on every row


@transaction.atomic
def report_job_create(*, user, round: Round, scope: Unit, level: str) -> ReportJob:
    """Record the request and queue the workbook once the row is committed (the worker must see it)."""
    from reports.tasks import export_ranking

    job = ReportJob.objects.create(user=user, round=round, scope=scope, level=level)
    send_job_after_commit(export_ranking, job.id)
    return job


def report_job_run(job_id: int) -> ReportJob:
    """Build the job's workbook under MEDIA_ROOT/reports/; failures are recorded on the job, not raised."""
    job = ReportJob.objects.select_related("round", "scope", "user").get(pk=job_id)
    if job.status == ReportStatus.DONE:
        return job  # a task delivered twice (acks late) does the work once
    _set(job, status=ReportStatus.RUNNING, progress=0, error="")
    try:
        # Roles may have changed since the request: the job's owner must still see the scope.
        if not can(job.user, Action.VIEW, job.scope):
            raise PermissionError(_("The scope is no longer within your units."))
        with replica_reads():
            ranking = ranking_checked(ranking_for(job.round, job.scope.code, job.level))
        name = f"reports/{job.id}-{uuid.uuid4().hex[:12]}.xlsx"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        workbook_write(ranking, path, progress=lambda percent: _progress(job, percent))
    except Exception as error:
        logger.exception("report job %s failed", job.id)
        _set(job, status=ReportStatus.FAILED, error=str(error) or error.__class__.__name__, finished_at=timezone.now())
        return job
    job.file.name = name
    _set(job, status=ReportStatus.DONE, progress=100, finished_at=timezone.now(), file=job.file)
    return job


def _set(job: ReportJob, **fields) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=list(fields))


def _progress(job: ReportJob, percent: int) -> None:
    if percent - job.progress >= PROGRESS_STEP and percent < 100:
        _set(job, progress=percent)


def report_purge(now=None) -> int:
    """Delete the jobs older than MANYI_REPORT_KEEP_DAYS days and their files; returns how many."""
    expired = list(ReportJob.objects.expired(now))
    for job in expired:
        if job.file:
            job.file.delete(save=False)
    ReportJob.objects.filter(pk__in=[job.pk for job in expired]).delete()
    return len(expired)
