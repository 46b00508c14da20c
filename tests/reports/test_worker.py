"""The export through a real Celery worker and Redis (CI's PostgreSQL pass sets REDIS_URL)."""

import os
import time
from pathlib import Path

import pytest
from django.urls import reverse

from reports.models import ReportJob, ReportStatus
from tests.reports.helpers import set_eager

WAIT_SECONDS = 60  # how long to wait for the worker before failing; not a speed requirement


@pytest.mark.celery_worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (a Redis for the broker)")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_runs_in_a_real_worker(client_for, users, round, schools, give):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    give(schools["s1"], 90, 0, 10)
    set_eager(False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            response = client_for(users["leader"]).post(
                reverse("reports:export", args=[round.code]), {"scope": "D1", "level": "school"}
            )
            assert response.status_code == 302
            job = ReportJob.objects.get()
            deadline = time.monotonic() + WAIT_SECONDS
            while not job.is_finished and time.monotonic() < deadline:
                time.sleep(0.2)
                job.refresh_from_db()
    finally:
        set_eager(True)
    assert job.status == ReportStatus.DONE, job.error
    assert Path(job.file.path).is_file()
