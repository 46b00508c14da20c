"""Helpers of the fault tests: real Celery workers in subprocesses, killed with SIGKILL, and a broker that is down.

A worker subprocess must use the test database (pytest-django's ``test_<name>``), so its tests are
``django_db(transaction=True, serialized_rollback=True)``: the worker sees only what the test committed,
and the data of the migrations (scales, indicators) is put back after the flush between such tests.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection

from tests.reports.helpers import set_eager

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 90  # how long to wait for a worker before failing; not a speed requirement
CLOSED_PORT_URL = "redis://127.0.0.1:6390/0"  # nothing listens there: "Redis down"

ON_POSTGRESQL = os.environ.get("DATABASE_URL", "").startswith("postgres")
needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL, reason="needs PostgreSQL (DATABASE_URL): the CI pass with services"
)
needs_postgresql_and_redis = pytest.mark.skipif(
    not (ON_POSTGRESQL and os.environ.get("REDIS_URL")),
    reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): the CI pass with services",
)


def database_url(name: str) -> str:
    """DATABASE_URL with another database name (the test database, a scratch copy)."""
    db = dj_database_url.parse(os.environ["DATABASE_URL"])
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _open_transactions_of_others() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state IN ('idle in transaction', 'idle in transaction (aborted)')"
        )
        return cursor.fetchone()[0]


class Workers:
    """Start worker subprocesses on a queue of the test's own, kill them; all are stopped at the end."""

    def __init__(self, log_dir: Path) -> None:
        self.queue = f"faults-{uuid.uuid4().hex[:8]}"
        self.log_dir = log_dir
        self.running: list[subprocess.Popen] = []

    def start(self, pause_marker: Path | None = None) -> subprocess.Popen:
        """A worker; with ``pause_marker`` it stops in the middle of its task and touches that file."""
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict["NAME"]),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            # A new worker puts a killed worker's unacknowledged task back on the queue after this long.
            "CELERY_VISIBILITY_TIMEOUT": "1",
        }
        if pause_marker is not None:
            env["MANYI_FAULT_PAUSE_MARKER"] = str(pause_marker)
        log = (self.log_dir / f"worker-{len(self.running)}.log").open("w")
        command = [sys.executable, "-m", "celery", "-A", "tests.fault_worker", "worker", "--pool=solo", "-Q",
                   self.queue, "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL, then wait until the server has ended the dead worker's transaction (and its locks)."""
        process.send_signal(signal.SIGKILL)
        process.wait()
        wait_for(lambda: not _open_transactions_of_others(), "the server to end the dead worker's transaction")

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.kill(process)

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.log_dir.glob("worker-*.log")))


@contextmanager
def running_workers(log_dir: Path) -> Iterator[Workers]:
    """Tasks go through the broker to this test's own queue, served by the workers it starts."""
    from config.celery import app

    pool, saved = Workers(log_dir), app.conf.task_default_queue
    set_eager(False)
    app.conf.task_default_queue = pool.queue
    try:
        yield pool
    finally:
        pool.stop_all()
        app.conf.task_default_queue = saved
        set_eager(True)


@contextmanager
def broker_down() -> Iterator[None]:
    """Send tasks to a broker nobody listens on (the shared Redis keeps running for the other tests)."""
    from config.celery import app

    saved = app.conf.broker_url
    set_eager(False)
    app.conf.update(broker_url=CLOSED_PORT_URL, CELERY_BROKER_URL=CLOSED_PORT_URL)
    app._after_fork()  # drop the pooled connections to the live broker (Celery's own reset after a fork)
    try:
        yield
    finally:
        app.conf.update(broker_url=saved, CELERY_BROKER_URL=saved)
        app._after_fork()
        set_eager(True)
