"""Faults around reports: a worker killed mid-workbook, the broker down at the request, Redis down for the pages."""

from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from config.celery import RESEND_AFTER
from reports.models import ReportJob, ReportStatus
from reports.services import report_job_create
from reports.tasks import resend_queued
from reports.workbook import SHEETS
from tests.reports.helpers import link
from tests.workers import CLOSED_PORT_URL, broker_down, needs_postgresql_and_redis, running_workers, wait_for


def finished(job: ReportJob) -> bool:
    job.refresh_from_db()
    return job.is_finished


@pytest.mark.celery_worker
@needs_postgresql_and_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_workbook_leaves_no_file_and_the_task_runs_again_whole(
    users, round, schools, give, tmp_path
):
    give(schools["s1"], 90, 0, 10)
    with running_workers(tmp_path) as workers:
        first = workers.start(pause_marker=tmp_path / "paused")
        job = report_job_create(user=users["leader"], round=round, scope=schools["s1"].parent, level="school")
        wait_for((tmp_path / "paused").exists, "the first worker to stop half-way through the sheets")
        workers.kill(first)
        job.refresh_from_db()
        assert (job.status, job.file.name) == (ReportStatus.RUNNING, "")  # no file is offered half-written
        workers.start()  # acks late: the task goes back to the queue and runs again
        wait_for(lambda: finished(job), "the second worker to build the workbook")
    assert job.status == ReportStatus.DONE, job.error
    assert openpyxl.load_workbook(Path(job.file.path)).sheetnames == list(SHEETS)


@needs_postgresql_and_redis
@pytest.mark.django_db
def test_an_export_with_the_broker_down_is_kept_and_shown_queued(
    client_for, users, round, django_capture_on_commit_callbacks
):
    client = client_for(users["leader"])
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export", args=[round.code]), {"scope": "D1", "level": "school"})
    job = ReportJob.objects.get()
    assert response.status_code == 302 and job.status == ReportStatus.QUEUED
    assert "排队中" in client.get(reverse("reports:list")).content.decode()


@needs_postgresql_and_redis
@pytest.mark.django_db
def test_pages_work_with_the_redis_cache_down(client_for, users, round, earlier_round, schools, give, settings):
    give(schools["s1"], 90, 0, 10)
    link(round, earlier_round)  # the figures of the closed earlier round are read through the cache
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": CLOSED_PORT_URL}}
    client = client_for(users["leader"])
    for url in (
        reverse("home"),
        reverse("reports:ranking", args=[round.code]) + "?scope=D1&level=school",
        reverse("reports:unit", args=[round.code, "S1"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "一区第一小学" in response.content.decode()


@pytest.mark.celery_worker
@needs_postgresql_and_redis
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_export_left_queued_by_a_broker_down_is_sent_again_once_it_is_back(users, round, schools, give, tmp_path):
    give(schools["s1"], 90, 0, 10)
    with broker_down():
        job = report_job_create(user=users["leader"], round=round, scope=schools["s1"].parent, level="school")
    ReportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - RESEND_AFTER)
    with running_workers(tmp_path) as workers:
        workers.start()
        assert resend_queued() == 1  # the beat's task, called as beat calls it
        wait_for(lambda: finished(job), "the worker to build the re-sent workbook")
    assert job.status == ReportStatus.DONE, job.error


@pytest.mark.django_db
def test_only_a_job_queued_longer_than_the_resend_delay_is_sent_again(users, round, schools):
    """Tasks run in-process here: a job sent again is run at once."""
    old, new = (
        ReportJob.objects.create(user=users["leader"], round=round, scope=schools["s1"].parent, level="school")
        for _ in range(2)
    )
    ReportJob.objects.filter(pk=old.pk).update(created_at=old.created_at - RESEND_AFTER - timedelta(seconds=1))
    assert resend_queued() == 1
    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (ReportStatus.DONE, ReportStatus.QUEUED)
