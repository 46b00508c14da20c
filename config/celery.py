import logging
import os

from celery import Celery, Task
from django.db import transaction
from kombu.exceptions import OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("manyi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def send_job_after_commit(task: Task, job_id: int) -> None:
    """Queue ``task(job_id)`` once the transaction commits (the worker must see the job row).

    With the broker unreachable the job row stays "queued", which its page shows as waiting,
    instead of the request failing after the job was recorded.
    """

    def send() -> None:
        try:
            task.delay(job_id)
        except OperationalError:
            logger.warning("Broker unreachable: job %s of %s stays queued", job_id, task.name, exc_info=True)

    transaction.on_commit(send)
