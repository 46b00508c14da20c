"""Faults during an import: a worker killed mid-import, the broker unreachable, clerks saving while it runs."""

import datetime
import threading
from pathlib import Path

import pytest
from django.core.files import File
from django.db import connection
from django.urls import reverse

import imports.services
from config.celery import RESEND_AFTER
from imports.models import ImportJob, JobStatus
from imports.services import import_job_create, import_job_refresh, import_job_rerun, import_job_run
from imports.tasks import resend_queued
from surveys.models import Answer, Option, Questionnaire
from surveys.services import QuestionnaireData, questionnaire_create
from surveys.tallies import tally_mismatches
from tests.imports.conftest import reasons, row, upload_file, write_csv
from tests.workers import broker_down, needs_postgresql, needs_postgresql_and_redis, running_workers, wait_for

ROWS = 40


def big_file(folder: Path) -> Path:
    return write_csv(folder / "many.csv", [row(f"Q{n:03d}", answers=("满意", "不满意") * 3) for n in range(ROWS)])


def queue_import(round, user, path: Path) -> ImportJob:
    with path.open("rb") as handle:
        return import_job_create(round=round, user=user, upload=File(handle, name=path.name), file_name=path.name,
                                 kind="questionnaires")  # fmt: skip


def assert_imported_once(job: ImportJob, round) -> None:
    assert (job.status, job.rows_imported) == (JobStatus.SUCCEEDED, ROWS)
    assert sorted(Questionnaire.objects.values_list("number", flat=True)) == [f"Q{n:03d}" for n in range(ROWS)]
    assert Answer.objects.count() == ROWS * 6
    assert tally_mismatches(round.id) == []


def finished(job: ImportJob) -> bool:
    job.refresh_from_db()
    return job.is_finished


@pytest.mark.celery_worker
@needs_postgresql_and_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_import_writes_nothing_and_the_task_runs_again_whole(round, users, tmp_path):
    with running_workers(tmp_path) as workers:
        first = workers.start(pause_marker=tmp_path / "paused")
        job = queue_import(round, users["staff"], big_file(tmp_path))
        wait_for((tmp_path / "paused").exists, "the first worker to stop with the rows written, not committed")
        workers.kill(first)
        assert not Questionnaire.objects.exists()
        workers.start()  # acks late: the killed worker's task goes back to the queue and runs again
        wait_for(lambda: finished(job), "the second worker to finish the import")
        assert_imported_once(job, round)


@pytest.mark.celery_worker
@needs_postgresql_and_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_killed_workers_job_shows_failed_and_run_again_imports_every_row_once(round, users, tmp_path):
    with running_workers(tmp_path) as workers:
        first = workers.start(pause_marker=tmp_path / "paused")
        job = queue_import(round, users["staff"], big_file(tmp_path))
        wait_for((tmp_path / "paused").exists, "the first worker to stop mid-import")
        workers.kill(first)
        job = import_job_refresh(ImportJob.objects.get(pk=job.pk))  # what the job's page does
        assert job.status == JobStatus.FAILED
        assert reasons(job) == [(None, None, "worker_stopped")]
        assert not Questionnaire.objects.exists()
        import_job_rerun(job=job)
        # The second worker also receives the killed worker's message: the job runs once all the same.
        workers.start()
        wait_for(lambda: finished(job), "the second worker to finish the import")
        assert_imported_once(job, round)


@needs_postgresql_and_redis
@pytest.mark.django_db
def test_an_upload_with_the_broker_down_is_kept_and_shown_waiting(
    client_for, users, round, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(users["admin"])
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports:upload", args=[round.code]),
            {"file": upload_file(write_csv(tmp_path / "a.csv", [row()])), "kind": "questionnaires"},
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:job", args=[job.pk])
    assert job.status == JobStatus.QUEUED
    assert "等待后台处理…" in client.get(response.url).content.decode()
    assert not Questionnaire.objects.exists()


@pytest.mark.celery_worker
@needs_postgresql_and_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_upload_left_queued_by_a_broker_down_is_imported_once_it_is_back(round, users, tmp_path):
    with broker_down():
        job = queue_import(round, users["staff"], big_file(tmp_path))
    ImportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - RESEND_AFTER)
    with running_workers(tmp_path) as workers:
        workers.start()
        assert resend_queued() == 1  # the beat's task, called as beat calls it
        wait_for(lambda: finished(job), "the worker to run the re-sent import")
        assert_imported_once(job, round)


@needs_postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_clerks_save_does_not_wait_for_an_import_of_the_round(round, users, tree, tmp_path, monkeypatch):
    """The import locks its round; a save meanwhile (of another school) must commit at once, not queue behind it.

    It used to wait (a FOR UPDATE lock against the save's foreign-key check at commit) and, with the tallies
    each held, clerks and imports deadlocked under load (bench/bench_load.py).
    """
    path = write_csv(tmp_path / "s1.csv", [row(f"Q{n}") for n in range(3)])
    with path.open("rb") as handle:
        job = import_job_create(round=round, user=users["staff"], upload=File(handle, name="s1.csv"),
                                file_name="s1.csv", kind="questionnaires", queue=False)  # fmt: skip
    holding, release = threading.Event(), threading.Event()
    write = imports.services.questionnaires_add

    def hold_then_write(**kwargs):
        holding.set()  # the round is locked by the import's transaction
        release.wait(30)
        return write(**kwargs)

    def run_import() -> None:
        try:
            import_job_run(job_id=job.pk)
        finally:
            connection.close()

    monkeypatch.setattr(imports.services, "questionnaires_add", hold_then_write)
    importing = threading.Thread(target=run_import)
    importing.start()
    try:
        assert holding.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # a save that waits for the import fails instead
        satisfied = Option.objects.get(scale=round.scale, number=1)
        data = QuestionnaireData(unit=tree["s2"], respondent_type="parent", channel="paper", number="E1",
                                 date=datetime.date(2026, 5, 1),
                                 answers={i.id: satisfied.id for i in round.ordered_indicators()})  # fmt: skip
        questionnaire_create(round=round, data=data, user=users["superuser"])
    finally:
        release.set()
        importing.join()
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert sorted(Questionnaire.objects.values_list("number", flat=True)) == ["E1", "Q0", "Q1", "Q2"]
    assert tally_mismatches(round.id) == []
