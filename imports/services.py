"""Import jobs: created from an upload, run by a Celery task (in-process in the embedded default), run again.

A job's data and its "succeeded" status are committed in one transaction, so
a worker killed at any point leaves either everything or nothing. While a
job runs, its worker holds a lock (a PostgreSQL advisory lock, released by
the server when the worker's connection dies): a job "running" without it
belongs to a dead worker, shows as failed and may be run again.
"""

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import send_job_after_commit
from imports.models import ImportJob, JobKind, JobStatus
from imports.validation import NUMBER, open_results_file, round_vocabulary, validate_counts, validate_questionnaires
from spreadsheets.problems import FileRefused, Problem, Problems, problem_text
from surveys.models import Round, RoundStatus
from surveys.writing import Batch, questionnaires_add, reported_counts_set_many

logger = logging.getLogger(__name__)

LOCK_NAMESPACE = 4901  # first key of the advisory locks held by running import jobs
_RUNNING_HERE: set[int] = set()  # jobs running in this process (the lock where there is no PostgreSQL)


def _refusal(reason: str, **params) -> str:
    return problem_text({"reason": reason, "params": params})


def upload_limit_bytes() -> int:
    return settings.MANYI_UPLOAD_MAX_MB * 1024 * 1024


def earlier_import(round: Round, checksum: str, exclude_id: int | None = None) -> ImportJob | None:
    """The job that already imported a file with this checksum into the round, if any."""
    jobs = ImportJob.objects.filter(round=round, checksum=checksum, status=JobStatus.SUCCEEDED, dry_run=False)
    return jobs.exclude(pk=exclude_id).order_by("pk").first()


def import_job_create(*, round: Round, user, upload: File, file_name: str, kind: str, dry_run: bool = False,
                      queue: bool = True) -> ImportJob:  # fmt: skip
    """Store the upload as a job and queue it once committed; refuses what can be refused before reading it."""
    if round.status != RoundStatus.OPEN:
        raise ValidationError(_refusal("round_closed"))
    if upload.size > upload_limit_bytes():
        raise ValidationError({"file": _refusal("too_large", limit=settings.MANYI_UPLOAD_MAX_MB)})
    checksum = _sha256(upload)
    earlier = earlier_import(round, checksum)
    if earlier is not None:
        raise ValidationError({"file": _refusal("already_imported", job=earlier.pk)})
    with transaction.atomic():
        job = ImportJob(
            round=round, user=user if user is not None and user.is_authenticated else None, kind=kind,
            dry_run=dry_run, file_name=Path(file_name).name[:255], size=upload.size, checksum=checksum,
        )  # fmt: skip
        job.file.save(job.file_name, upload, save=False)
        job.save()
        if queue:
            _queue(job.pk)
    return job


def _sha256(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _queue(job_id: int) -> None:
    from imports.tasks import run_import

    send_job_after_commit(run_import, job_id)


# ---------------------------------------------------------------- running


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued job, or one left "running" by a dead worker; None if another live worker is running it."""
    with _worker_lock(job_id) as claimed:
        if not claimed:
            return None
        job = _start(job_id)
        if job is None:  # already finished (a message delivered twice)
            return ImportJob.objects.get(pk=job_id)
        try:
            _run(job)
        except FileRefused as refused:
            _finish(job, JobStatus.REFUSED, refused.problems)
        except Exception:
            # Nothing was written (the transaction rolled back); the job may be run again.
            logger.exception("Import job %s failed", job_id)
            _finish(job, JobStatus.FAILED, _problems(Problem("crashed")))
        return job


@contextmanager
def _worker_lock(job_id: int) -> Iterator[bool]:
    claimed = _try_lock(job_id)
    try:
        yield claimed
    finally:
        if claimed:
            _unlock(job_id)


def _try_lock(job_id: int) -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, job_id])
            claimed = cursor.fetchone()[0]
    else:
        claimed = job_id not in _RUNNING_HERE
    if claimed:
        _RUNNING_HERE.add(job_id)
    return claimed


def _unlock(job_id: int) -> None:
    _RUNNING_HERE.discard(job_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, job_id])


def _has_live_worker(job: ImportJob) -> bool:
    if job.pk in _RUNNING_HERE:
        return True
    if connection.vendor != "postgresql":
        return False
    if _try_lock(job.pk):
        _unlock(job.pk)
        return False
    return True


@transaction.atomic
def _start(job_id: int) -> ImportJob | None:
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("round", "user").get(pk=job_id)
    if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return None
    job.status, job.started_at, job.finished_at = JobStatus.RUNNING, timezone.now(), None
    job.progress = job.rows_read = job.rows_imported = job.error_count = 0
    job.errors, job.ignored_columns = [], []
    job.save()
    return job


def _run(job: ImportJob) -> None:
    _refuse_if_not_importable(job, job.round)
    source = open_results_file(Path(job.file.path), job.file_name)
    vocabulary = round_vocabulary(job.round, job.user)
    validate = validate_counts if job.kind == JobKind.COUNTS else validate_questionnaires
    data, problems, job.ignored_columns = validate(source, vocabulary, _progress_reporter(job, 0, 70))
    job.rows_read = len(data)
    ImportJob.objects.filter(pk=job.pk).update(
        rows_read=job.rows_read, ignored_columns=job.ignored_columns, progress=70
    )
    if problems:
        raise FileRefused(problems)
    if job.dry_run:
        _finish(job, JobStatus.SUCCEEDED)
        return
    try:
        _write(job, data)
    except IntegrityError:
        # Another clerk saved one of these questionnaire numbers while the file was being checked.
        raise FileRefused(Problem("duplicate_number_in_round", column=NUMBER)) from None
    except ValidationError as error:
        # Something the file names was deleted since it was checked (the writer locks what it refers to).
        if error.code != "changed":
            raise
        raise FileRefused(Problem("changed")) from None


@transaction.atomic
def _write(job: ImportJob, data) -> None:
    # One import of a round at a time: the checks below then hold until the commit. NO KEY UPDATE, not UPDATE:
    # clerks' saves meanwhile check their foreign key to the round (KEY SHARE) at commit, and with a plain
    # FOR UPDATE they waited for the import while holding tallies it needed (deadlocks in bench_load.py).
    round = Round.objects.select_for_update(no_key=True).get(pk=job.round_id)
    _refuse_if_not_importable(job, round)
    batch = Batch(job_id=job.pk, file_name=job.file_name, rows=len(data))
    if job.kind == JobKind.QUESTIONNAIRES:
        questionnaires_add(round=round, rows=data, user=job.user, source="import", batch=batch)
    else:
        reported_counts_set_many(round=round, counts=data.counts, user=job.user, batch=batch)
    job.rows_imported = len(data)
    # The status commits with the data: a job is never "running" with its rows already written.
    _finish(job, JobStatus.SUCCEEDED)


def _refuse_if_not_importable(job: ImportJob, round: Round) -> None:
    if round.status != RoundStatus.OPEN:
        raise FileRefused(Problem("round_closed"))
    earlier = earlier_import(round, job.checksum, exclude_id=job.pk)
    if earlier is not None:
        raise FileRefused(Problem("already_imported", params={"job": earlier.pk}))


def _progress_reporter(job: ImportJob, low: int, high: int) -> Callable[[int, int], None]:
    last = [low]

    def report(done: int, total: int) -> None:
        percent = low + (high - low) * min(done, total) // max(total, 1)
        if percent > last[0]:
            last[0] = percent
            ImportJob.objects.filter(pk=job.pk).update(progress=percent)

    return report


def _problems(*items: Problem) -> Problems:
    problems = Problems()
    for item in items:
        problems.add(item.reason, item.row, item.column, item.value, item.params)
    return problems


def _finish(job: ImportJob, status: str, problems: Problems | None = None) -> None:
    job.status, job.progress, job.finished_at = status, 100, timezone.now()
    if problems is not None:
        job.errors = [problem.as_json() for problem in problems.sorted()]
        job.error_count = problems.total
    job.save(update_fields=["status", "progress", "finished_at", "errors", "error_count", "rows_read", "rows_imported"])


# ---------------------------------------------------------------- dead workers, running again


def import_job_refresh(job: ImportJob) -> ImportJob:
    """The job as it stands; one left "running" by a dead worker is marked failed (nothing was written)."""
    if job.status == JobStatus.RUNNING and not _has_live_worker(job):
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().get(pk=job.pk)
            if job.status == JobStatus.RUNNING:
                _finish(job, JobStatus.FAILED, _problems(Problem("worker_stopped")))
    return job


def import_job_rerun(*, job: ImportJob, queue: bool = True) -> ImportJob:
    """Queue a failed job again (same file, same options)."""
    job = import_job_refresh(job)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != JobStatus.FAILED:
            raise ValidationError(_("Only a failed import can be run again."))
        job.status, job.progress, job.errors, job.error_count = JobStatus.QUEUED, 0, [], 0
        job.save(update_fields=["status", "progress", "errors", "error_count"])
        if queue:
            _queue(job.pk)
    return job
